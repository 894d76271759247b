package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Snapshots and log compaction: Raft §7. */
class SnapshotTest {

    @Test
    void section7_followerBehindTheCompactionPointCatchesUpByInstallSnapshot() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 10; i++) {
            c.propose(1, "v" + i);
        }
        long applied = c.snapshotAndCompact(1);
        c.heal();
        c.delivered.clear();
        c.tickAll(3);
        Message.InstallSnapshot snap = c.delivered.stream().filter(m -> m instanceof Message.InstallSnapshot)
                .map(m -> (Message.InstallSnapshot) m).findFirst().orElseThrow();
        assertEquals(3, snap.to());
        assertEquals(applied, snap.snapshot().index());
        assertEquals(applied, c.storages.get(3L).snapshot().index(), "follower installed the snapshot");
        // Until the leader hears the transfer finished it must not stream it again.
        c.node(1).reportSnapshot(3, true);
        c.propose(1, "after");
        assertEquals(List.of("after"), c.appliedData(3));
        assertEquals(c.node(1).status().hardState().commit(), c.node(3).status().hardState().commit());
    }

    @Test
    void section7_failedSnapshotTransferIsRetried() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        long applied = c.snapshotAndCompact(1);
        c.heal();
        c.drop(m -> m instanceof Message.InstallSnapshot);
        c.tickAll(2);
        assertEquals(Status.ProgressState.SNAPSHOT, c.node(1).status().progress().get(3L).state());
        c.node(1).reportSnapshot(3, false);
        c.heal();
        c.tickAll(3);
        assertEquals(applied, c.storages.get(3L).snapshot().index());
    }

    @Test
    void section7_snapshotCoveringEntriesTheFollowerHasOnlyAdvancesItsCommit() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.propose(1, "a");
        long commit = c.node(1).status().hardState().commit();
        Snapshot s = new Snapshot(new SnapshotMetadata(commit, c.node(1).status().hardState().term(),
                c.node(1).status().config()), null);
        long lastBefore = c.node(2).status().lastIndex();
        c.node(2).step(new Message.InstallSnapshot(1, 2, c.node(1).status().hardState().term(), s));
        c.stabilize();
        assertEquals(lastBefore, c.node(2).status().lastIndex(), "matching log kept, not replaced");
        assertEquals(MemoryStorage.BOOTSTRAP_INDEX, c.storages.get(2L).snapshot().index(), "no snapshot installed");
    }

    @Test
    void section7_restartFromSnapshotRestoresConfigAndLog() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        long applied = c.snapshotAndCompact(2);
        c.restart(2);
        assertEquals(applied, c.node(2).status().applied());
        assertEquals(List.of(1L, 2L, 3L), List.copyOf(c.node(2).status().config().voters()));
        c.propose(1, "more");
        assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "more"), c.appliedData(2), "nothing lost or re-applied");
    }

    @Test
    void section7_snapshotIsDeclinedWhileCommittedEntriesAreStillWithTheApplication() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        c.propose(1, "b");
        long term = c.node(1).status().hardState().term();
        Entry b = c.storages.get(1L).entries(c.node(1).status().lastIndex(), c.node(1).status().lastIndex() + 1,
                Long.MAX_VALUE).get(0);
        // Node 3 learns "b" and that it is committed; its Ready with "b" to apply stays outstanding.
        c.node(3).step(new Message.AppendEntries(1, 3, term, c.storages.get(1L).term(b.index() - 1), b.index() - 1,
                List.of(b), b.index()));
        c.handleReady(3);
        Ready applying = c.node(3).ready();
        assertEquals(List.of(b), applying.committedEntries());
        // Meanwhile the leader moved on and compacted: a snapshot beyond "b" arrives.
        c.propose(1, "c");
        c.snapshotAndCompact(1);
        Message.InstallSnapshot snap = new Message.InstallSnapshot(1, 3, term, c.storages.get(1L).snapshot());
        c.node(3).step(snap);
        assertEquals(b.index(), c.node(3).status().lastIndex(), "log replaced under an outstanding Ready");
        applying.hardState().ifPresent(c.storages.get(3L)::setHardState);
        c.node(3).advance(applying);
        c.node(3).step(snap);
        assertEquals(snap.snapshot().index(), c.node(3).status().lastIndex(), "installed once the Ready is done");
    }

    /**
     * The server installs a snapshot crash-atomically and only then writes the Ready's hard state; its
     * redo after a crash in between leaves a commit index below the snapshot. That is stale, not corrupt:
     * a snapshot holds only committed entries, so the node must start (it used to refuse).
     */
    @Test
    void section7_crashBetweenInstallingASnapshotAndWritingTheHardStateRestarts() {
        TestCluster c = TestCluster.of(3);
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "v" + i);
        }
        long at = c.snapshotAndCompact(1);
        long term = c.node(1).status().hardState().term();
        Message snap = new Message.InstallSnapshot(1, 3, term, c.storages.get(1L).snapshot());
        RawNode three = c.node(3);
        HardState before = c.storages.get(3L).hardState();
        three.step(snap);
        Ready rd = three.ready();
        assertEquals(at, rd.snapshot().orElseThrow().index());
        c.storages.get(3L).applySnapshot(rd.snapshot().get()); // ... and the crash: no entries, no hard state
        assertTrue(before.commit() < at);
        c.restart(3);
        c.heal();
        assertEquals(at, c.node(3).status().hardState().commit());
        c.propose(1, "after");
        assertEquals(List.of("after"), c.appliedData(3));
    }
}
