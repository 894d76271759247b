package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thesis §10.2.1: a leader may replicate while its own log write is in flight. {@link RawNode#takeEarly()}
 * is how a driver gets a leader's messages (and read states) between {@code ready()} and {@code advance()}.
 */
class EarlyOutputTest {

    @Test
    void leaderHeartbeatsAndReplicatesWhileItsWriteIsInFlight() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        RawNode leader = c.node(1);
        leader.propose("a".getBytes());
        Ready rd = leader.ready();
        assertFalse(rd.entries().isEmpty(), "the proposal is being persisted");

        leader.propose("b".getBytes());
        leader.tick(); // heartbeat tick (heartbeatTick = 1 by default)
        RawNode.Early early = leader.takeEarly();
        assertTrue(early.messages().stream().anyMatch(m -> m instanceof Message.Heartbeat), "heartbeats leave at once");
        assertTrue(early.messages().stream().anyMatch(m -> m instanceof Message.AppendEntries a
                && a.entries().stream().anyMatch(e -> new String(e.data()).equals("b"))), "so does the new entry");
        assertTrue(leader.takeEarly().isEmpty(), "taken once");
        leader.advance(rd);
        Ready next = leader.ready();
        assertTrue(next.messages().stream().noneMatch(m -> m instanceof Message.Heartbeat), "not sent twice");
        assertEquals(List.of("b"), next.entries().stream().map(e -> new String(e.data())).toList());
    }

    @Test
    void followerAcknowledgementsWaitForTheirWrite() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        RawNode follower = c.node(2);
        c.node(1).propose("a".getBytes());
        Ready lr = c.node(1).ready();
        Message append = lr.messages().stream().filter(m -> m.to() == 2 && m instanceof Message.AppendEntries)
                .findFirst().orElseThrow();
        follower.step(append);
        Ready fr = follower.ready();
        follower.step(new Message.Heartbeat(1, 2, append.term(), 0, 0));
        assertTrue(follower.takeEarly().isEmpty(), "a follower's answers promise persisted state");
        assertTrue(fr.persistedMessages().stream().anyMatch(m -> m instanceof Message.AppendResponse));
    }
}
