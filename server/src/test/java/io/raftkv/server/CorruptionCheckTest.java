package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.CheckStateRequest;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Issue 12, defect 5: a member whose state diverged (here: two of its stored values swapped behind its
 * back) is found by the corruption check, gets a CORRUPT alarm through the log and stops serving, saying
 * why in every answer and in its status; the others agree and keep serving.
 */
class CorruptionCheckTest {
    @TempDir
    Path dir;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void aDivergedMemberIsFoundAlarmedAndStopsServing() throws Exception {
        try (TestCluster c = new TestCluster(dir, 3, x -> x.withCorruptionCheck(Duration.ZERO))) {
            long leader = c.awaitLeader();
            for (int i = 0; i < 50; i++) {
                c.kv(leader).put(PutRequest.newBuilder().setKey(b("k" + i)).setValue(b("v" + i)).build());
            }
            CheckStateResponse healthy = c.cluster(leader).checkState(CheckStateRequest.getDefaultInstance());
            assertEquals(3, healthy.getHashesCount());
            assertTrue(healthy.getHashesList().stream().allMatch(h -> h.getHash().equals(healthy.getHashes(0).getHash())));
            assertTrue(healthy.getCorruptList().isEmpty());

            long victim = c.follower();
            c.stop(victim);
            swapTwoValues(dir.resolve("n" + victim).resolve("db"));
            c.start(victim);
            leader = c.awaitLeader();

            CheckStateResponse found = c.cluster(leader).checkState(CheckStateRequest.getDefaultInstance());
            assertEquals(List.of(victim), found.getCorruptList());
            TestCluster.await(Duration.ofSeconds(10), "the alarm applied on the victim",
                    () -> c.status(victim).getAlarmsCount() == 1);
            StatusResponse st = c.status(victim);
            assertEquals("corrupt", st.getAlarms(0).getType());
            assertEquals(victim, st.getAlarms(0).getMember());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> c.kv(victim).get(
                    GetRequest.newBuilder().setKey(b("k1")).setConsistency(Consistency.SERIALIZABLE).build()));
            assertTrue(refused.getStatus().getDescription().contains("CORRUPT"), refused.getStatus().getDescription());
            long healthyMember = leader;
            assertEquals(b("v1"), c.kv(healthyMember).get(GetRequest.newBuilder().setKey(b("k1")).build()).getKv().getValue());

            c.cluster(leader).disarmAlarm(DisarmAlarmRequest.newBuilder().setMember(victim).setType("corrupt").build());
            TestCluster.await(Duration.ofSeconds(10), "the alarm cleared", () -> c.status(victim).getAlarmsCount() == 0);
            assertFalse(c.kv(victim).get(GetRequest.newBuilder().setKey(b("k1")).setConsistency(Consistency.SERIALIZABLE)
                    .build()).getKv().getValue().isEmpty(), "serving again once disarmed");
        }
    }

    /** Swaps the raw records of the first two keys of the kv column family: both still decode, the state differs. */
    private static void swapTwoValues(Path db) throws Exception {
        RocksDB.loadLibrary();
        List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
        try (Options o = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(o, db.toString())) {
                cfs.add(new ColumnFamilyDescriptor(name));
            }
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions o = new DBOptions(); RocksDB r = RocksDB.open(o, db.toString(), cfs, handles)) {
            ColumnFamilyHandle kv = null;
            for (int i = 0; i < cfs.size(); i++) {
                if (new String(cfs.get(i).getName()).equals("kv")) {
                    kv = handles.get(i);
                }
            }
            byte[][] keys = new byte[2][];
            byte[][] values = new byte[2][];
            try (RocksIterator it = r.newIterator(kv)) {
                it.seekToFirst();
                for (int i = 0; i < 2; i++, it.next()) {
                    keys[i] = it.key();
                    values[i] = it.value();
                }
            }
            r.put(kv, keys[0], values[1]);
            r.put(kv, keys[1], values[0]);
            r.flushWal(true);
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
        }
    }
}
