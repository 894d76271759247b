package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Log replication and commitment: Raft §5.3, §5.4.2, thesis §10.2.1, and the flow-control rules. */
class ReplicationTest {

    @Test
    void section5_3_entriesReplicateAndApplyInOrderEverywhere() {
        TestCluster c = TestCluster.of(5);
        c.elect(1);
        for (int i = 0; i < 20; i++) {
            c.node(1).propose(TestCluster.bytes("v" + i));
        }
        c.stabilize();
        for (long id = 1; id <= 5; id++) {
            assertEquals(20, c.appliedData(id).size(), "node " + id);
            assertEquals("v0", c.appliedData(id).get(0));
            assertEquals("v19", c.appliedData(id).get(19));
        }
    }

    @Test
    void section5_3_followerNeverAppliesBeyondWhatItPersisted() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(1).propose(TestCluster.bytes("x"));
        Ready rd = c.handleReady(1);
        // The leader's own append is still being persisted, yet its AppendEntries may already go out.
        assertFalse(rd.entries().isEmpty());
        assertTrue(rd.messages().stream().anyMatch(m -> m instanceof Message.AppendEntries),
                "leader replicates while its disk write is in flight (thesis 10.2.1)");
        c.stabilize();
        assertEquals(List.of("x"), c.appliedData(2));
    }

    @Test
    void section5_3_acknowledgementsAreSentOnlyAfterPersisting() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(1).propose(TestCluster.bytes("x"));
        c.handleReady(1);
        Message app = c.inflight.stream().filter(m -> m.to() == 2 && m instanceof Message.AppendEntries)
                .findFirst().orElseThrow();
        c.inflight.clear();
        c.node(2).step(app);
        Ready rd = c.node(2).ready();
        assertTrue(rd.messages().isEmpty(), "a follower's ack must wait for its disk: " + rd.messages());
        assertTrue(rd.persistedMessages().stream().anyMatch(m -> m instanceof Message.AppendResponse));
        assertFalse(rd.entries().isEmpty());
        assertTrue(rd.mustSync());
        c.node(2).advance(rd);
    }

    @Test
    void section5_3_leaderDoesNotCountItselfBeforeItsOwnWriteIsPersisted() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.node(1).propose(TestCluster.bytes("x"));
        Ready rd = c.node(1).ready(); // not persisted yet
        long idx = rd.entries().get(rd.entries().size() - 1).index();
        c.inflight.addAll(rd.messages());
        // Only node 2 acknowledges; node 3 is unreachable. 1 + 2 is a quorum only once 1 persisted.
        c.drop(m -> m.to() == 3 || m.from() == 3);
        while (!c.inflight.isEmpty()) {
            Message m = c.inflight.poll();
            if (m.to() == 2) {
                c.node(2).step(m);
                Ready f = c.node(2).ready();
                c.storages.get(2L).append(f.entries());
                f.hardState().ifPresent(c.storages.get(2L)::setHardState);
                f.persistedMessages().forEach(c.node(1)::step);
                c.node(2).advance(f);
            }
        }
        assertTrue(c.node(1).status().hardState().commit() < idx, "committed on an unpersisted leader write");
        c.storages.get(1L).append(rd.entries());
        rd.hardState().ifPresent(c.storages.get(1L)::setHardState);
        c.node(1).advance(rd);
        assertEquals(idx, c.node(1).status().hardState().commit());
    }

    @Test
    void section5_4_2_figure8_leaderDoesNotCommitOlderTermEntriesByCounting() {
        assertEquals(0, figure8CommitIndex(false), "an old-term entry on a majority must not be committed by counting");
        // Negative control: the same script against a node that counts replicas of old entries commits it.
        assertEquals(1, figure8CommitIndex(true));
    }

    /** Raft figure 8, scripted on 5 nodes; returns how far past its old noop S1 has committed at (c). */
    private static long figure8CommitIndex(boolean buggy) {
        java.util.function.LongFunction<RaftConfig> cfg = id -> RaftConfig.defaults(id)
                .withFeatures(false, false).withFlowControl(1, 256, 0);
        TestCluster c = TestCluster.of(5, cfg);
        c.elect(1); // its noop is committed everywhere
        long noop = c.node(1).status().lastIndex();
        long t1 = c.node(1).status().hardState().term();
        // (a) S1 appends "old" (index noop+1) and replicates it to S2 only.
        c.drop(m -> m.from() == 1 && m.to() >= 3);
        c.node(1).propose(TestCluster.bytes("old"));
        c.stabilize();
        // (b) S1 is down; S5 wins the next term with S3 and S4, appends its noop at noop+1, replicates nothing.
        c.heal();
        c.stop(1);
        c.stop(2);
        c.drop(m -> m.from() == 5 && m instanceof Message.AppendEntries);
        c.elect(5);
        assertEquals(StateRole.LEADER, c.node(5).status().softState().role());
        // (c) S5 is down; S1 wins a later term with S2 and S3, and gets "old" to S3 but no entry of its term.
        c.heal();
        c.stop(5);
        c.restart(1);
        if (buggy) {
            c.nodes.put(1L, TestNodes.withBug(cfg.apply(1).withApplied(c.appliedIndex(1)), c.storages.get(1L),
                    new java.util.SplittableRandom(1), TestNodes.CoreBug.COMMIT_OLD_TERM_BY_COUNTING));
        }
        c.drop(m -> m instanceof Message.AppendEntries);
        c.elect(1); // S5's term is taken (S3, S4 voted for S5): this attempt loses
        c.elect(1);
        assertEquals(StateRole.LEADER, c.node(1).status().softState().role());
        long term = c.node(1).status().hardState().term();
        c.heal();
        c.stop(4);
        c.stop(5);
        // Deliver by hand the two appends S1 may legitimately send: S3 gets index 2 only, and S2 (which
        // holds it already) is probed at index 2. No term-3 entry reaches anyone.
        Entry old = c.storages.get(1L).entries(noop + 1, noop + 2, Long.MAX_VALUE).get(0);
        c.node(3).step(new Message.AppendEntries(1, 3, term, t1, noop, List.of(old), noop));
        c.node(2).step(new Message.AppendEntries(1, 2, term, t1, old.index(), List.of(), noop));
        c.drop(m -> m instanceof Message.AppendEntries);
        c.stabilize();
        assertEquals(old.index(), c.node(1).status().progress().get(3L).match());
        assertEquals(old.index(), c.node(1).status().progress().get(2L).match());
        return c.node(1).status().hardState().commit() - noop;
    }

    @Test
    void section5_4_2_entryOfOlderTermIsNotCommittedUntilACurrentTermEntryIs() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFeatures(false, false));
        c.elect(1);
        c.drop(m -> m.from() == 1);
        c.node(1).propose(TestCluster.bytes("old")); // appended at 1 only
        c.stabilize();
        c.heal();
        c.isolate(3);
        // 1 becomes leader again in a new term; its noop for the new term is withheld from 2.
        c.drop(m -> m instanceof Message.AppendEntries a && a.entries().stream().anyMatch(e -> e.data().length == 0));
        c.node(1).campaign();
        c.stabilize();
        // Suppose "old" reached 2 by a retry without the noop: commit must still not include it.
        assertTrue(c.node(1).status().hardState().commit() < c.node(1).status().lastIndex());
        c.heal();
        c.isolate(3);
        c.tickAll(3);
        assertEquals(c.node(1).status().lastIndex(), c.node(1).status().hardState().commit());
    }

    @Test
    void section5_3_divergentFollowerLogIsTruncatedAndRepaired() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFeatures(false, false));
        c.elect(1);
        // 1 appends 50 uncommitted entries only it holds, then loses leadership.
        c.drop(m -> m.from() == 1);
        for (int i = 0; i < 50; i++) {
            c.node(1).propose(TestCluster.bytes("lost" + i));
        }
        c.stabilize();
        c.heal();
        c.isolate(1);
        c.elect(2);
        for (int i = 0; i < 5; i++) {
            c.node(2).propose(TestCluster.bytes("kept" + i));
        }
        c.stabilize();
        c.heal();
        c.delivered.clear();
        c.tickAll(2);
        assertEquals(c.appliedData(2), c.appliedData(1));
        assertFalse(c.appliedData(1).contains("lost0"));
        long rejects = c.delivered.stream().filter(m -> m instanceof Message.AppendResponse r && r.reject()).count();
        assertTrue(rejects <= 3, "fast back-off should skip the conflicting term in few round trips, took " + rejects);
    }

    @Test
    void flowControl_probeSendsOneMessageReplicatePipelinesUpToTheWindow() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFlowControl(1 << 20, 4, 0));
        c.elect(1);
        c.drop(m -> m.to() == 2 && m.from() == 1 && !(m instanceof Message.AppendEntries)); // noop
        c.heal();
        // Now everyone is in replicate state. Stop 2 from answering and propose many entries.
        c.drop(m -> m.from() == 2);
        c.delivered.clear();
        for (int i = 0; i < 20; i++) {
            c.node(1).propose(TestCluster.bytes("p" + i));
            c.stabilize();
        }
        long appsTo2 = c.delivered.stream().filter(m -> m instanceof Message.AppendEntries a && a.to() == 2
                && !a.entries().isEmpty()).count();
        assertEquals(4, appsTo2, "the inflight window caps unacknowledged appends");
        c.heal();
        c.tickAll(3);
        assertEquals(20, c.appliedData(2).size());
    }

    @Test
    void flowControl_messagesAreBatchedUnderTheSizeCap() {
        TestCluster c = TestCluster.of(3, id -> RaftConfig.defaults(id).withFlowControl(1000, 256, 0));
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 40; i++) {
            c.node(1).propose(new byte[100]);
        }
        c.stabilize();
        c.heal();
        c.delivered.clear();
        c.tickAll(3);
        List<Message.AppendEntries> apps = c.delivered.stream().filter(m -> m instanceof Message.AppendEntries a
                && a.to() == 3 && !a.entries().isEmpty()).map(m -> (Message.AppendEntries) m).toList();
        assertTrue(apps.size() >= 5, "40 x 124 B must be split under a 1000 B cap, got " + apps.size());
        for (Message.AppendEntries a : apps) {
            long bytes = a.entries().stream().mapToLong(Entry::sizeBytes).sum();
            assertTrue(bytes <= 1000 || a.entries().size() == 1, "message of " + bytes + " B over the cap");
        }
        assertEquals(40, c.appliedData(3).size());
    }

    @Test
    void loadShedding_proposalsBeyondTheUncommittedLimitAreDropped() {
        RaftConfig base = RaftConfig.defaults(1);
        TestCluster c = TestCluster.of(3, id -> new RaftConfig(id, 10, 1, 0, 1 << 20, 256, 0, 1000, 1 << 20,
                true, true, false));
        assertTrue(base.maxUncommittedEntriesSize() > 0);
        c.elect(1);
        c.isolate(1);
        ProposeResult last = null;
        int accepted = 0;
        for (int i = 0; i < 50; i++) {
            last = c.node(1).propose(new byte[100]);
            if (last instanceof ProposeResult.Appended) {
                accepted++;
            }
        }
        assertEquals(10, accepted);
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.UNCOMMITTED_LIMIT, 1), last);
        c.heal();
        c.stabilize();
        assertInstanceOf(ProposeResult.Appended.class, c.node(1).propose(new byte[100]));
    }

    @Test
    void proposalsOnFollowersAreRejectedWithALeaderHint() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        assertEquals(new ProposeResult.Dropped(ProposeResult.Reason.NOT_LEADER, 1), c.node(2).propose(TestCluster.bytes("x")));
    }
}
