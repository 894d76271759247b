package io.raftkv.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.SoftState;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.Status;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The negative controls prove that leader completeness and read linearizability can fail; these prove the
 * same for every other invariant, by feeding the checker a history that breaks it.
 */
class CheckerTest {
    private static final ConfState CONF = ConfState.of(List.of(1L, 2L, 3L));

    private final Checker checker = new Checker(new Stats(), CONF);

    private static SimNode node(long id) {
        SimNode n = new SimNode(id, RaftConfig.defaults(id), MemoryStorage.bootstrap(CONF), id);
        n.start(new SplittableRandom(id), null); // the checker reads the log through the core
        return n;
    }

    private static Status status(long id, long term, long commit, StateRole role) {
        return new Status(id, new HardState(term, id, commit), new SoftState(role == StateRole.LEADER ? id : 0, role),
                0, 0, CONF, 0, new TreeMap<>());
    }

    private static Entry entry(long term, long index, int payload) {
        return Entry.normal(term, index, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) payload});
    }

    /** Persists entries the way the simulator does after a Ready. */
    private void persist(SimNode n, Entry... entries) {
        Ready rd = new Ready(Optional.empty(), Optional.empty(), List.of(), List.of(entries), Optional.empty(),
                List.of(), List.of(), List.of(), true);
        n.storage.append(rd.entries());
        checker.onPersisted(n, rd);
    }

    private static void assertViolation(String invariant, Runnable r) {
        InvariantViolation v = assertThrows(InvariantViolation.class, r::run);
        assertEquals(invariant, v.invariant, v.getMessage());
    }

    @Test
    void twoLeadersInOneTerm() {
        checker.observe(node(1), status(1, 5, 1, StateRole.LEADER));
        assertViolation("election-safety", () -> checker.observe(node(2), status(2, 5, 1, StateRole.LEADER)));
    }

    @Test
    void sameIndexAndTermDifferentEntry() {
        persist(node(1), entry(2, 2, 7));
        assertViolation("log-matching", () -> persist(node(2), entry(2, 2, 8)));
    }

    @Test
    void sameEntryAfterDifferentHistory() {
        persist(node(1), entry(2, 2, 7), entry(3, 3, 9));
        SimNode other = node(2);
        persist(other, entry(1, 2, 7));
        assertViolation("log-matching", () -> persist(other, entry(3, 3, 9)));
    }

    @Test
    void twoNodesApplyDifferentEntriesAtOneIndex() {
        SimNode a = node(1);
        SimNode b = node(2);
        persist(a, entry(2, 2, 7));
        persist(b, entry(3, 2, 8));
        checker.apply(a, entry(2, 2, 7), null);
        assertViolation("state-machine-safety", () -> checker.apply(b, entry(3, 2, 8), null));
    }

    @Test
    void newLeaderMissesCommittedEntry() {
        SimNode old = node(1);
        persist(old, entry(2, 2, 7));
        checker.observe(old, status(1, 2, 2, StateRole.LEADER));
        checker.apply(old, entry(2, 2, 7), null);
        SimNode fresh = node(2);
        persist(fresh, entry(3, 2, 8));
        checker.observe(fresh, status(2, 4, 1, StateRole.LEADER));
        assertViolation("leader-completeness", () -> checker.checkLeaderLog(fresh));
    }

    /** Finer than leader completeness on applied entries: a committed entry nobody applied yet is lost. */
    @Test
    void newLeaderMissesCommittedButUnappliedEntry() {
        SimNode old = node(1);
        persist(old, entry(2, 2, 7));
        checker.observe(old, status(1, 2, 2, StateRole.LEADER));
        SimNode fresh = node(2);
        checker.observe(fresh, status(2, 4, 1, StateRole.LEADER));
        assertViolation("leader-completeness", () -> checker.checkLeaderLog(fresh));
    }

    @Test
    void nodeCommitsAnotherEntryWhereOneWasCommitted() {
        SimNode old = node(1);
        persist(old, entry(2, 2, 7));
        checker.observe(old, status(1, 2, 2, StateRole.LEADER));
        SimNode other = node(3);
        persist(other, entry(3, 2, 8));
        assertViolation("commit-safety", () -> checker.observe(other, status(3, 3, 2, StateRole.FOLLOWER)));
    }

    @Test
    void staleReadIndex() {
        SimNode a = node(1);
        persist(a, entry(2, 2, 7));
        checker.apply(a, entry(2, 2, 7), null);
        SimNode b = node(2);
        checker.onReadIssued(b, 42, 1);
        assertViolation("linearizable-read", () -> checker.onReadState(b, new ReadState(1, 42)));
    }
}
