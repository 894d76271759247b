package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restored data directory names its cluster's token; a node adopts it only when started with the base token. */
class RestoredClusterTest {
    static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private ServerConfig config(String token) {
        TreeMap<Long, String> members = new TreeMap<>();
        members.put(1L, "127.0.0.1:7001");
        members.put(2L, "127.0.0.1:7002");
        members.put(3L, "127.0.0.1:7003");
        return ServerConfig.of(1, members, "127.0.0.1:0", dir).withClusterToken(token);
    }

    @Test
    void aPlainDataDirectoryKeepsTheConfiguration() {
        ServerConfig c = config("raftkv");
        assertSame(c, RestoredCluster.adopt(c));
    }

    @Test
    void aRestoredDirectoryGivesTheNodeTheRestoredClustersIdOnlyForItsBaseToken() throws IOException {
        RestoredCluster.write(dir, "raftkv", SHA, new Properties());
        ServerConfig adopted = RestoredCluster.adopt(config("raftkv"));
        assertEquals("raftkv/restored-0123456789abcdef", adopted.clusterToken());
        assertNotEquals(config("raftkv").clusterId(), adopted.clusterId());
        assertEquals(config("raftkv/restored-0123456789abcdef").clusterId(), adopted.clusterId());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RestoredCluster.adopt(config("other")));
        assertTrue(e.getMessage().contains("was restored for --cluster-token 'raftkv'"), e.getMessage());
    }
}
