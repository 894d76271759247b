package io.raftkv.raft.sim;

import io.raftkv.raft.Message;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Messages in flight plus the current partition. Loss, duplication and delay happen on send; the
 * partition is consulted on delivery, so a message in flight when a link is cut is lost too. Delivery
 * picks a random due message, which reorders freely.
 */
final class Network {
    /**
     * @param reports          whether the fate of this copy is reported to the sender (only the
     *                         original of a duplicated InstallSnapshot is)
     * @param senderIncarnation reports go only to the process that sent the message
     * @param senderDisk        the sender's data-directory incarnation (peers refuse a changed one)
     */
    record Envelope(long seq, Message msg, long dueStep, boolean reports, int senderIncarnation, long senderDisk) {
    }

    /** Beyond this many messages in flight the oldest are lost, as a congested link would. */
    private static final int CAPACITY = 4000;

    private final ArrayList<Envelope> inFlight = new ArrayList<>();
    /** Blocked directed links, encoded as from * 4096 + to. */
    private final TreeSet<Long> blocked = new TreeSet<>();
    private long seq;

    Envelope enqueue(Message m, long dueStep, boolean reports, int senderIncarnation, long senderDisk) {
        Envelope e = new Envelope(seq++, m, dueStep, reports, senderIncarnation, senderDisk);
        inFlight.add(e);
        return e;
    }

    /** Removes and returns the oldest message if over capacity, else null. */
    Envelope overflow() {
        return inFlight.size() > CAPACITY ? inFlight.remove(0) : null;
    }

    int size() {
        return inFlight.size();
    }

    int countDue(long now) {
        int due = 0;
        for (Envelope e : inFlight) {
            if (e.dueStep() <= now) {
                due++;
            }
        }
        return due;
    }

    boolean hasDue(long now) {
        for (Envelope e : inFlight) {
            if (e.dueStep() <= now) {
                return true;
            }
        }
        return false;
    }

    /** Removes and returns a random message whose delay has passed, or null. */
    Envelope takeRandomDue(SplittableRandom rng, long now) {
        int due = 0;
        for (Envelope e : inFlight) {
            if (e.dueStep() <= now) {
                due++;
            }
        }
        if (due == 0) {
            return null;
        }
        int pick = rng.nextInt(due);
        for (int i = 0; i < inFlight.size(); i++) {
            if (inFlight.get(i).dueStep() <= now && pick-- == 0) {
                return inFlight.remove(i);
            }
        }
        throw new AssertionError("unreachable");
    }

    /** Takes every message in flight in send order (quiet phases deliver FIFO, without delays). */
    List<Envelope> takeAll() {
        List<Envelope> all = new ArrayList<>(inFlight);
        all.sort(Comparator.comparingLong(Envelope::seq));
        inFlight.clear();
        return all;
    }

    boolean isBlocked(long from, long to) {
        return !blocked.isEmpty() && blocked.contains(from * 4096 + to);
    }

    void block(long from, long to) {
        if (from != to) {
            blocked.add(from * 4096 + to);
        }
    }

    boolean partitioned() {
        return !blocked.isEmpty();
    }

    void heal() {
        blocked.clear();
    }

    String describePartition() {
        StringBuilder sb = new StringBuilder();
        for (long k : blocked) {
            sb.append(k / 4096).append("-x>").append(k % 4096).append(' ');
        }
        return sb.toString().trim();
    }
}
