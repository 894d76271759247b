package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What operators' tools (the CLI) need from the client, against a real three-node cluster. */
class OperatorApiTest {
    @TempDir
    Path dir;

    @Test
    void statusOfOneEndpointTransferLeadershipAndABackupCheckedByItsDigest() throws Exception {
        try (RealCluster c = new RealCluster(dir, 3);
             RaftKvClient client = RaftKvClient.builder().endpoints(c.endpoints()).build()) {
            long leader = c.awaitLeader();
            client.put("k", "v");
            long follower = leader == 1 ? 2 : 1;
            ClusterStatus s = client.status(c.clientAddrs.get(follower));
            assertEquals(follower, s.nodeId(), "asked that node itself, not the leader");
            assertEquals(ClusterStatus.Role.FOLLOWER, s.role());
            assertFalse(s.learner());
            assertFalse(s.removed());
            assertEquals(List.of(), s.alarms());

            InvalidArgumentException notAVoter = assertThrows(InvalidArgumentException.class, () -> client.transferLeadership(9));
            assertTrue(notAVoter.getMessage().contains("not a voter"), notAVoter.getMessage());
            assertEquals(follower, client.transferLeadership(follower));
            RealCluster.await(Duration.ofSeconds(10), "node " + follower + " leads", () -> c.status(follower).getLeaderId() == follower);

            Path file = dir.resolve("backup.rkv");
            BackupSummary b;
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                out.write(java.nio.ByteBuffer.wrap(new byte[100_000])); // a previous attempt's leftovers are truncated
                b = client.backup(true, 0, Duration.ofSeconds(30), out);
            }
            byte[] bytes = Files.readAllBytes(file);
            assertEquals(bytes.length, b.bytes());
            assertEquals(1, b.keys());
            assertTrue(b.linearizable());
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(java.util.Arrays.copyOf(bytes, bytes.length - 32))), b.sha256());
        }
    }

    @Test
    void anHttpPrefixIsTheSameAddressAndHttpsIsRefusedUntilTheClusterSpeaksTls() {
        assertEquals("127.0.0.1:8001", ClientConfig.normalizeEndpoint("http://127.0.0.1:8001/"));
        IllegalArgumentException tls = assertThrows(IllegalArgumentException.class,
                () -> RaftKvClient.builder().endpoints("https://127.0.0.1:8001"));
        assertTrue(tls.getMessage().contains("TLS"), tls.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RaftKvClient.builder().endpoints("ftp://h:1"));
    }

    @Test
    void anExhaustedCallNamesWhatFailedAtEachEndpoint() {
        String a = "127.0.0.1:" + Ports.free();
        String b = "127.0.0.1:" + Ports.free();
        try (RaftKvClient client = RaftKvClient.builder().endpoints(a, b).requestTimeout(Duration.ofSeconds(2)).build()) {
            UnavailableException e = assertThrows(UnavailableException.class, () -> client.get("k"));
            assertEquals(List.of(a, b), List.copyOf(e.endpointFailures().keySet()));
            e.endpointFailures().values().forEach(v -> assertTrue(v.startsWith("unreachable ("), v));
            assertNotEquals(-1, e.getMessage().indexOf(b), e.getMessage());
        }
    }
}
