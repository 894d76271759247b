package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: past the space quota writes that add data are refused with RESOURCE_EXHAUSTED naming the
 * NOSPACE alarm while reads and deletes keep working, and the alarm clears by itself once space is freed
 * (etcd needs a manual disarm).
 */
class SpaceAlarmTest {
    @TempDir
    Path dir;

    /** Random, so compression cannot shrink the state under the quota behind the test's back. */
    private static final ByteString BIG = random(64 << 10);
    private static final long QUOTA = 4L << 20;

    private static ByteString random(int n) {
        byte[] v = new byte[n];
        new java.util.Random(42).nextBytes(v);
        return ByteString.copyFrom(v);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void pastTheQuotaWritesAreRefusedReadsAndDeletesWorkAndTheAlarmClearsOnceSpaceIsFreed() {
        try (TestCluster c = new TestCluster(dir, 3, x -> x.withSpace(new ServerConfig.Space(QUOTA, 0)))) {
            long leader = c.awaitLeader();
            int[] written = {0};
            StatusRuntimeException[] refused = new StatusRuntimeException[1];
            TestCluster.await(Duration.ofSeconds(60), "a put refused by the NOSPACE alarm", () -> {
                try {
                    c.kv(leader).put(PutRequest.newBuilder().setKey(b("k" + written[0])).setValue(BIG).build());
                    written[0]++;
                    return false;
                } catch (StatusRuntimeException e) {
                    refused[0] = e;
                    return true;
                }
            });
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused[0].getStatus().getCode());
            assertEquals(ErrorDetail.Code.NO_SPACE, TestCluster.detail(refused[0]).getCode());
            assertTrue(refused[0].getStatus().getDescription().contains("NOSPACE"), refused[0].getStatus().getDescription());
            assertTrue(written[0] * (long) BIG.size() > QUOTA * 0.75, "refused only near the quota: " + written[0]);
            StatusResponse st = c.status(leader);
            assertTrue(st.getAlarmsList().stream().anyMatch(a -> a.getType().equals("nospace")), st.toString());
            assertTrue(st.getStateBytes() > 0 && st.getQuotaBytes() == QUOTA, st.toString());
            // Readiness is re-evaluated on the health check's own schedule (at most a second behind the alarm).
            TestCluster.await(Duration.ofSeconds(10), "not ready with a NOSPACE alarm", () -> !c.server(leader).health().ready());
            // Compacting alone does not bring random data under the quota: the alarm holds until data is deleted.
            StatusRuntimeException still = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () ->
                    c.kv(leader).put(PutRequest.newBuilder().setKey(b("more")).setValue(b("v")).build()));
            assertEquals(ErrorDetail.Code.NO_SPACE, TestCluster.detail(still).getCode());

            // Reads and deletes go through; deleting frees the space and the alarm clears by itself.
            assertTrue(c.kv(leader).get(GetRequest.newBuilder().setKey(b("k0")).build()).getFound());
            for (int i = 0; i < written[0]; i++) {
                c.kv(leader).delete(DeleteRequest.newBuilder().setKey(b("k" + i)).build());
            }
            TestCluster.await(Duration.ofSeconds(60), "the alarm cleared on every member", () -> c.servers.keySet().stream()
                    .allMatch(id -> c.status(id).getAlarmsCount() == 0));
            c.kv(leader).put(PutRequest.newBuilder().setKey(b("after")).setValue(b("v")).build());
        }
    }
}
