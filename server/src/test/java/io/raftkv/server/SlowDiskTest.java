package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.storage.StorageFaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose disk stalls keeps leading, and its followers keep committing (issue 11). The raft thread
 * writes Readies itself while syncs are fast ({@link SyncPlacement}); once one is slow, the log writer
 * takes them, so a stall longer than any election timeout leaves the raft thread free to heartbeat and
 * the followers to commit without the leader's disk. A raft thread that kept syncing in line would be stuck for the whole stall and the
 * followers would elect a new leader.
 */
class SlowDiskTest {
    @TempDir
    Path dir;

    @Test
    void aLeaderWhoseDiskStallsKeepsLeadingAndItsFollowersCommit() throws Exception {
        StorageFaults[] faults = {new StorageFaults(), new StorageFaults(), new StorageFaults()};
        try (TestCluster c = new TestCluster(dir, 3, x -> x, tc -> {
            for (long id = 1; id <= 3; id++) {
                tc.faults.put(id, faults[(int) id - 1]);
            }
        })) {
            long leader = c.awaitLeader();
            put(c, leader, "warm");
            long term = c.status(leader).getTerm();
            StorageFaults disk = faults[(int) leader - 1];

            // A sync slower than half a heartbeat (but far from an election timeout) moves syncs off the raft thread.
            disk.delaySyncs(TestCluster.TICK.multipliedBy(2));
            put(c, leader, "slow");
            // Now a stall four times the longest election timeout (10-20 ticks).
            Duration stall = TestCluster.TICK.multipliedBy(80);
            disk.delaySyncs(stall);
            int before = disk.delayedSyncs();
            long index = c.status(leader).getLastIndex() + 1;
            long follower = c.follower();
            ListenableFuture<PutResponse> during = KVGrpc.newFutureStub(c.channel(leader))
                    .withDeadlineAfter(stall.toMillis() + 10_000, TimeUnit.MILLISECONDS)
                    .put(request("stalled"));
            // The followers commit and apply it while the leader's own sync of it is still stalled.
            TestCluster.await(stall.multipliedBy(3).dividedBy(4), "a follower to apply index " + index,
                    () -> c.status(follower).getAppliedIndex() >= index);
            assertEquals(before, disk.delayedSyncs(), "the stall ended before the followers applied the entry");
            disk.delaySyncs(Duration.ZERO); // the sync already stalled keeps its delay
            TestCluster.await(stall.multipliedBy(3), "the leader's stalled sync to finish", () -> disk.delayedSyncs() > before);
            try {
                during.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // Its answer may have outlived the request timeout (outcome unknown): the read below decides.
            }

            assertEquals(leader, c.awaitLeader(), "leadership moved while the leader's disk stalled");
            for (long id = 1; id <= 3; id++) {
                assertEquals(term, c.status(id).getTerm(), "node " + id + " saw an election during the stall");
            }
            put(c, leader, "after");
            assertTrue(c.kv(leader).get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("stalled")).build()).getFound(),
                    "the put made during the stall is not there");
        }
    }

    private static void put(TestCluster c, long id, String key) {
        c.kv(id).put(request(key));
    }

    private static PutRequest request(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
    }
}
