package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftConfig#deferCommit}: a commit index that moves is not broadcast in empty AppendEntries of its
 * own; it rides the next AppendEntries or heartbeat, or goes out when the driver calls
 * {@link RawNode#sendCommit}. Configuration changes are still sent at once.
 */
class DeferredCommitTest {

    private static TestCluster deferred() {
        return TestCluster.of(3, id -> RaftConfig.defaults(id).withDeferCommit(true));
    }

    private static long commit(TestCluster c, long id) {
        return c.node(id).status().hardState().commit();
    }

    private static List<Message> emptyAppends(TestCluster c) {
        return c.delivered.stream()
                .filter(m -> m instanceof Message.AppendEntries a && a.entries().isEmpty()).toList();
    }

    @Test
    void aNewCommitIndexWaitsForTheNextAppendEntriesInsteadOfARoundOfItsOwn() {
        TestCluster c = deferred();
        c.elect(1);
        c.delivered.clear();
        c.propose(1, "a");
        long a = c.node(1).status().lastIndex();
        assertEquals(a, commit(c, 1), "the leader committed");
        assertEquals(a - 1, commit(c, 2), "follower 2 was not told yet");
        assertEquals(a - 1, commit(c, 3), "follower 3 was not told yet");
        assertEquals(List.of(), emptyAppends(c), "no commit-only AppendEntries");
        assertTrue(c.node(1).commitToSend());

        c.propose(1, "b");
        assertEquals(a, commit(c, 2), "the next entry's AppendEntries carried the commit index");
        assertEquals(a, commit(c, 3));
        assertEquals(List.of("a"), c.appliedData(2));
        assertEquals(List.of(), emptyAppends(c));
    }

    @Test
    void sendCommitTellsEachFollowerOnceAndOnlyWhatItCanUse() {
        TestCluster c = deferred();
        c.elect(1);
        c.propose(1, "a");
        long a = c.node(1).status().lastIndex();
        c.delivered.clear();

        c.node(1).sendCommit();
        c.stabilize();
        assertEquals(a, commit(c, 2));
        assertEquals(a, commit(c, 3));
        assertEquals(List.of("a"), c.appliedData(3));
        assertEquals(2, emptyAppends(c).size(), "one empty AppendEntries per follower: " + c.delivered);
        assertFalse(c.node(1).commitToSend(), "every follower knows the commit index");

        c.delivered.clear();
        c.node(1).sendCommit();
        c.stabilize();
        assertEquals(List.of(), c.delivered, "nothing left to tell");
        assertFalse(c.node(2).commitToSend(), "followers never have a commit index to send");
    }

    @Test
    void theHeartbeatCarriesItWhenNothingElseDoes() {
        TestCluster c = deferred();
        c.elect(1);
        c.propose(1, "a");
        long a = c.node(1).status().lastIndex();
        c.tick(1, RaftConfig.defaults(1).heartbeatTick());
        c.stabilize();
        assertEquals(a, commit(c, 2));
        assertEquals(a, commit(c, 3));
        assertFalse(c.node(1).commitToSend());
    }

    @Test
    void aCommittedConfigurationChangeIsSentAtOnceSoARemovedMemberLearnsOfIt() {
        TestCluster c = deferred();
        c.elect(1);
        c.propose(1, "a");
        assertInstanceOf(ProposeResult.Appended.class, c.node(1).proposeConfChange(ConfChange.removeNode(3)));
        c.stabilize();
        // The leader forgot node 3 once it applied the change: only the commit sent at once reached it.
        assertFalse(c.node(1).status().config().voters().contains(3L));
        assertFalse(c.confStates.get(3L).voters().contains(3L), "node 3 applied its own removal: " + c.confStates.get(3L));
    }

    @Test
    void withoutDeferralEveryCommitGoesOutAtOnce() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.delivered.clear();
        c.propose(1, "a");
        long a = c.node(1).status().lastIndex();
        assertEquals(a, commit(c, 2));
        assertEquals(a, commit(c, 3));
        assertEquals(2, emptyAppends(c).size(), "etcd's commit round: " + c.delivered);
    }
}
