package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The invariants, checked incrementally as events happen (which is the same as checking the whole
 * system after every step, at a fraction of the cost):
 * <ul>
 *   <li>election safety: at most one leader per term (every node's status is read after it acts);</li>
 *   <li>log matching: an (index, term) pair ever persisted anywhere names one entry, always preceded by
 *       the same term, which by induction makes equal-term logs identical up to that index;</li>
 *   <li>commit safety: every entry a leader ever committed, by (index, term), is the entry at that
 *       index in every node's log once that node's commit index covers it;</li>
 *   <li>leader completeness: a new leader's first persisted log holds every entry committed by a leader
 *       of an earlier term (whether or not anyone applied it yet);</li>
 *   <li>state-machine safety: every node applies, index by index, exactly the entries first applied
 *       anywhere (and restores snapshot images equal to that history);</li>
 *   <li>linearizable reads: a ReadIndex answer is at least the highest index applied anywhere when the
 *       read was issued, and the read is served from a state machine that applied it.</li>
 * </ul>
 * Iteration-order-sensitive structures are Tree*; the one HashMap is only ever looked up.
 */
final class Checker {
    private record LogEntry(Entry entry, long prevTerm) {
    }

    private record Issued(long node, int incarnation, long floor, long step) {
    }

    private final Stats stats;
    /** Entries applied anywhere: index i at position i - 1. */
    private final ArrayList<Entry> applied = new ArrayList<>();
    private final LongList hashAt = new LongList();
    /** The term of each committed entry, as the first leader seen committing it had it (index i at position i). */
    private final LongList committedTerm = new LongList();
    /** The term of the first leader seen committing each index. */
    private final LongList committedBy = new LongList();
    private long knownCommit;
    private final TreeMap<Long, Long> leaderByTerm = new TreeMap<>();
    private final HashMap<Long, LogEntry> logRegistry = new HashMap<>();
    private final TreeMap<Long, ConfState> confAt = new TreeMap<>();
    private final TreeMap<Long, Issued> reads = new TreeMap<>();

    Checker(Stats stats, ConfState initial) {
        this.stats = stats;
        hashAt.add(0);
        committedTerm.add(0);
        committedBy.add(0);
        confAt.put(0L, initial);
        // The founding members start from a bootstrap snapshot (configuration only) at index 1: it is
        // the first entry of the common history, with the empty state's hash.
        for (long i = 1; i <= MemoryStorage.BOOTSTRAP_INDEX; i++) {
            applied.add(new Entry(1, i, io.raftkv.raft.EntryType.NORMAL, null));
            hashAt.add(0);
            committedTerm.add(1);
            committedBy.add(0);
        }
        knownCommit = MemoryStorage.BOOTSTRAP_INDEX;
    }

    long appliedAnywhere() {
        return applied.size();
    }

    Entry appliedEntry(long index) {
        return index >= 1 && index <= applied.size() ? applied.get((int) index - 1) : null;
    }

    ConfState latestConf() {
        return confAt.lastEntry().getValue();
    }

    /** Reads a node's status after it acted; returns true if it just became leader of a new term. */
    boolean observe(SimNode n, Status st) {
        long term = st.hardState().term();
        long commit = st.hardState().commit();
        StateRole role = st.softState().role();
        n.role = role;
        n.term = term;
        checkCommitted(n, commit);
        if (role != StateRole.LEADER) {
            return false;
        }
        recordCommitted(n, term, commit);
        Long prev = leaderByTerm.putIfAbsent(term, n.id);
        if (prev != null && prev != n.id) {
            throw new InvariantViolation("election-safety", "term " + term + " has two leaders: n" + prev + " and n" + n.id);
        }
        if (n.leaderTermSeen == term) {
            return false;
        }
        n.leaderTermSeen = term;
        n.completenessDue = true;
        n.completenessTerm = term;
        n.completenessReady = null;
        stats.elections++;
        return true;
    }

    /** A leader's commit index moved past everything known committed: record the entries it committed. */
    private void recordCommitted(SimNode n, long term, long commit) {
        for (long i = knownCommit + 1; i <= commit; i++) {
            long t = n.termAt(i);
            if (t < 0) {
                return; // not in a Ready yet (a leader counting unpersisted entries): recorded once it is
            }
            committedTerm.add(t);
            committedBy.add(term);
            knownCommit = i;
        }
    }

    /** Commit safety: what a node now considers committed is what was committed there before. */
    private void checkCommitted(SimNode n, long commit) {
        long hi = Math.min(commit, knownCommit);
        for (long i = Math.max(n.lastCommit + 1, 1); i <= hi; i++) {
            long t = n.termAt(i);
            if (t >= 0 && t != committedTerm.get(i)) {
                throw new InvariantViolation("commit-safety", "n" + n.id + " (" + n.role + " t" + n.term
                        + ") has committed index " + i + " with term " + t + ", but the leader of term "
                        + committedBy.get(i) + " committed " + i + "/" + committedTerm.get(i) + " there");
            }
        }
    }

    /** Leader completeness, on the log the new leader persisted from its first Ready as leader. */
    void checkLeaderLog(SimNode n) {
        long term = n.completenessTerm;
        n.completenessDue = false;
        n.completenessReady = null;
        MemoryStorage st = n.storage;
        for (long i = Math.max(1, st.firstIndex() - 1); i <= knownCommit; i++) {
            if (committedBy.get(i) >= term) {
                continue; // committed by a later (or this) term's leader, maybe after this one was elected
            }
            long t = i <= st.lastIndex() ? st.term(i) : -1;
            if (t != committedTerm.get(i)) {
                throw new InvariantViolation("leader-completeness", "n" + n.id + " leads term " + term + " with "
                        + (t < 0 ? "a log ending at " + st.lastIndex() : "term " + t + " at index " + i)
                        + " but the leader of term " + committedBy.get(i) + " committed " + i + "/"
                        + committedTerm.get(i));
            }
        }
        stats.completenessChecks++;
    }

    /** Log matching and durability, after the driver persisted {@code rd}. */
    void onPersisted(SimNode n, Ready rd) {
        MemoryStorage st = n.storage;
        for (Entry e : rd.entries()) {
            if (e.index() < st.firstIndex()) {
                continue;
            }
            if (e.term() >= 1L << 20) {
                throw new IllegalStateException("simulator key space exhausted at term " + e.term());
            }
            LogEntry mine = new LogEntry(e, st.term(e.index() - 1));
            LogEntry first = logRegistry.putIfAbsent((e.index() << 20) | e.term(), mine);
            if (first != null && !first.equals(mine)) {
                throw new InvariantViolation("log-matching", "n" + n.id + " persisted " + e + " after term "
                        + mine.prevTerm + ", but elsewhere " + first.entry + " after term " + first.prevTerm);
            }
        }
        HardState hs = st.hardState();
        if (hs.commit() > st.lastIndex()) {
            throw new InvariantViolation("durability", "n" + n.id + " persisted commit " + hs.commit()
                    + " beyond its persisted log " + st.lastIndex());
        }
    }

    /** State-machine safety: applies {@code e} to n's state machine if it is the entry everyone applies there. */
    boolean apply(SimNode n, Entry e, ConfState confAfter) {
        if (e.index() != n.sm.applied + 1) {
            throw new InvariantViolation("apply-order", "n" + n.id + " applied " + n.sm.applied + ", handed " + e);
        }
        MemoryStorage st = n.storage;
        if (e.index() > st.lastIndex() || e.index() < st.firstIndex() || st.term(e.index()) != e.term()) {
            throw new InvariantViolation("apply-unpersisted", "n" + n.id + " must apply " + e
                    + " which is not in its persisted log [" + st.firstIndex() + ".." + st.lastIndex() + "]");
        }
        boolean first = false;
        if (e.index() <= applied.size()) {
            Entry g = applied.get((int) e.index() - 1);
            if (!g.equals(e)) {
                throw new InvariantViolation("state-machine-safety", "n" + n.id + " applies " + e + " at index "
                        + e.index() + " where another node applied " + g);
            }
        } else if (e.index() == applied.size() + 1) {
            applied.add(e);
            hashAt.add(StateMachine.chain(hashAt.get(applied.size() - 1), e));
            first = true;
        } else {
            throw new IllegalStateException("simulator: gap in global history at " + e.index());
        }
        n.sm.apply(e, confAfter);
        if (n.sm.hash != hashAt.get(e.index())) {
            throw new InvariantViolation("state-machine-safety", "n" + n.id + " history hash differs at " + e.index());
        }
        return first;
    }

    /** A node restored a snapshot image: it must be the common history up to the snapshot index. */
    void onSnapshotRestored(SimNode n, Snapshot s) {
        if (s.index() > applied.size()) {
            throw new InvariantViolation("snapshot-safety", "n" + n.id + " installed " + s
                    + " beyond anything applied anywhere (" + applied.size() + ")");
        }
        Entry g = applied.get((int) s.index() - 1);
        if (g.term() != s.term() || n.sm.hash != hashAt.get(s.index())) {
            throw new InvariantViolation("snapshot-safety", "n" + n.id + " installed " + s + " whose image "
                    + n.sm + " differs from the history applied elsewhere (" + g + ")");
        }
        ConfState expected = confAt.floorEntry(s.index()).getValue();
        if (!expected.equals(s.metadata().confState())) {
            throw new InvariantViolation("config-safety", "n" + n.id + " installed " + s + " whose configuration "
                    + s.metadata().confState() + " differs from the applied one " + expected);
        }
    }

    /** Every node must arrive at the same configuration after applying the change at {@code index}. */
    boolean onConfApplied(SimNode n, long index, ConfState cs) {
        ConfState known = confAt.get(index);
        if (known == null) {
            confAt.put(index, cs);
            return true;
        }
        if (!known.equals(cs)) {
            throw new InvariantViolation("config-safety", "n" + n.id + " has " + cs + " after the change at " + index
                    + ", others have " + known);
        }
        return false;
    }

    void onReadIssued(SimNode n, long ctx, long step) {
        reads.put(ctx, new Issued(n.id, n.incarnation, applied.size(), step));
    }

    /** Linearizability: the read point covers every write completed before the read was issued. */
    void onReadState(SimNode n, ReadState rs) {
        Issued is = reads.get(rs.requestCtx());
        if (is == null || is.node != n.id) {
            throw new InvariantViolation("read-routing", "n" + n.id + " got " + rs + " for a read it never issued ("
                    + is + ")");
        }
        if (is.incarnation != n.incarnation) {
            return; // issued by an earlier process of this node: nobody waits for it any more
        }
        stats.readsAnswered++;
        if (rs.index() < is.floor) {
            throw new InvariantViolation("linearizable-read", "n" + n.id + " answered read " + rs.requestCtx()
                    + " (issued at step " + is.step + ") with index " + rs.index() + " but index " + is.floor
                    + " was already applied somewhere when it was issued: the read would miss acknowledged writes");
        }
        n.readsToServe.add(rs);
    }

    /** Serves the reads whose index the node has applied; the value read is the node's history. */
    void serveReads(SimNode n) {
        for (Iterator<ReadState> it = n.readsToServe.iterator(); it.hasNext(); ) {
            ReadState rs = it.next();
            if (rs.index() > n.sm.applied) {
                continue;
            }
            it.remove();
            Issued is = reads.get(rs.requestCtx());
            if (n.sm.applied < is.floor || n.sm.hash != hashAt.get(n.sm.applied)) {
                throw new InvariantViolation("linearizable-read", "n" + n.id + " served read " + rs.requestCtx()
                        + " from " + n.sm + " which misses index " + is.floor);
            }
            stats.readsServed++;
        }
    }

    String leadersSummary() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Long, Long> e : leaderByTerm.descendingMap().entrySet()) {
            if (sb.length() > 200) {
                break;
            }
            sb.append('t').append(e.getKey()).append("=n").append(e.getValue()).append(' ');
        }
        return sb.toString();
    }

    /** A growable long array (the boxed alternative costs more than the whole check). */
    static final class LongList {
        private long[] a = new long[1024];
        private int size;

        void add(long v) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }

        long get(long i) {
            if (i >= size) {
                throw new IndexOutOfBoundsException(i + " >= " + size);
            }
            return a[(int) i];
        }
    }
}
