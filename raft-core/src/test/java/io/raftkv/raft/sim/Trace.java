package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.Ready;
import java.util.ArrayList;
import java.util.List;

/**
 * The last events of a run, kept in a ring buffer so a failure shows how it came about. Events keep
 * their (immutable) arguments and are formatted only on failure: formatting every event of every run
 * would cost more than the simulation itself.
 */
final class Trace {
    private record Event(long step, long node, String what, Object detail) {
        @Override
        public String toString() {
            return String.format("%6d n%-2d %-9s %s", step, node, what, describe(detail));
        }
    }

    /** Compact forms of the bulky values; everything else prints as itself. */
    static String describe(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof Ready rd) {
            StringBuilder sb = new StringBuilder();
            rd.softState().ifPresent(s -> sb.append(s).append(' '));
            rd.hardState().ifPresent(h -> sb.append("hs=").append(h.term()).append('/').append(h.vote()).append('/')
                    .append(h.commit()).append(' '));
            rd.snapshot().ifPresent(s -> sb.append(s).append(' '));
            if (!rd.entries().isEmpty()) {
                sb.append("entries=").append(span(rd.entries())).append(' ');
            }
            if (!rd.committedEntries().isEmpty()) {
                sb.append("apply=").append(span(rd.committedEntries())).append(' ');
            }
            if (!rd.readStates().isEmpty()) {
                sb.append("reads=").append(rd.readStates()).append(' ');
            }
            return sb.append("msgs=").append(rd.messages().size()).append('+').append(rd.persistedMessages().size())
                    .toString();
        }
        if (o instanceof Message.AppendEntries m) {
            return "App " + m.from() + "->" + m.to() + " t" + m.term() + " prev=" + m.prevIndex() + "/" + m.prevTerm()
                    + " ents=" + span(m.entries()) + " commit=" + m.commit();
        }
        return o.toString();
    }

    private static String span(List<Entry> ents) {
        if (ents.isEmpty()) {
            return "[]";
        }
        if (ents.size() <= 3) {
            return ents.toString();
        }
        return "[" + ents.get(0) + " .. " + ents.get(ents.size() - 1) + " (" + ents.size() + ")]";
    }

    private final Event[] ring;
    private long count;
    /** Folds every event's step, node and kind: equal fingerprints mean the runs took the same course. */
    private long fingerprint = 17;

    Trace(int capacity) {
        ring = new Event[capacity];
    }

    void add(long step, long node, String what, Object detail) {
        fingerprint = ((fingerprint * 31 + step) * 31 + node) * 31 + what.hashCode();
        ring[(int) (count++ % ring.length)] = new Event(step, node, what, detail);
    }

    long fingerprint() {
        return fingerprint ^ count;
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        long from = Math.max(0, count - ring.length);
        for (long i = from; i < count; i++) {
            out.add(ring[(int) (i % ring.length)].toString());
        }
        return out;
    }
}
