package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's regression test: a follower isolated until it is thousands of entries behind returns while 64
 * clients read linearizably; in the heal window no node may exit (the leader died of OutOfMemoryError
 * here) and leadership may not move (or it spent seconds in back-to-back full GCs and lost it).
 * Before the server's flow control (batched ReadIndex rounds, shared entry payloads, byte-bounded peer
 * queues) the leader died of OutOfMemoryError or lost leadership here; now it keeps both (about 30 s).
 */
class ReturningFollowerIT {
    @Test
    void aFollowerReturningUnderReadLoadCostsNoNodeAndNoLeadership() throws Exception {
        Set<FaultKind> kinds = EnumSet.of(FaultKind.RETURNING_FOLLOWER);
        RunOptions probe = ItSupport.options(3, kinds, java.time.Duration.ofSeconds(60), ItSupport.seed());
        // One deck of one kind: the plan holds exactly one returning follower.
        RunResult r = ChaosRun.execute(ItSupport.options(3, kinds, ItSupport.timeFor(1, probe), probe.seed()));
        String where = " (seed " + r.options().seed() + ", report " + r.dir().resolve("report.html") + ")";
        assertEquals(1, r.returns().size(), "the fault ran once: " + r.harnessErrors() + where);
        ReturningFollower.Observation o = r.returns().get(0);
        assertTrue(o.lagAtHeal() >= ReturningFollower.Settings.DEFAULT.lagEntries(),
                "the follower fell only " + o.lagAtHeal() + " entries behind" + where);
        assertEquals(List.of(), r.nodeExits().stream().map(NodeExit::describe).toList(), "nodes exited" + where);
        assertTrue(o.passed(), o.describe() + where);
        ItSupport.assertHealthy(r, kinds);
        ItSupport.assertNoProcessLeft(r.pids());
    }
}
