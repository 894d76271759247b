package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    private static TreeMap<Long, String> members(String... addrs) {
        TreeMap<Long, String> m = new TreeMap<>();
        for (int i = 0; i < addrs.length; i++) {
            m.put((long) i + 1, addrs[i]);
        }
        return m;
    }

    private static ServerConfig cfg(long id, String token, TreeMap<Long, String> members) {
        ServerConfig c = ServerConfig.of(id, members, "127.0.0.1:0", Path.of("/tmp/x"));
        return new ServerConfig(c.nodeId(), token, c.initialCluster(), c.clientListen(), c.peerListen(), c.dataDir(),
                c.tick(), c.electionTicks(), c.heartbeatTicks(), c.limits(), c.requestTimeout(), c.snapshotEvery(),
                c.retainEntries(), false, null, null);
    }

    @Test
    void clusterIdDependsOnTokenAndMemberIdsButNotOnHowANodeAddressesItsPeers() {
        long a = cfg(1, "t", members("h1:1", "h2:1", "h3:1")).clusterId();
        assertEquals(a, cfg(2, "t", members("proxy:9", "h2:1", "proxy:8")).clusterId());
        assertNotEquals(a, cfg(1, "other", members("h1:1", "h2:1", "h3:1")).clusterId());
        assertNotEquals(a, cfg(1, "t", members("h1:1", "h2:1", "h3:1", "h4:1", "h5:1")).clusterId());
    }

    @Test
    void inconsistentConfigurationsAreRefusedWithTheProblemNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.of(4, members("h:1", "h:2", "h:3"), "127.0.0.1:0", Path.of("/tmp/x")));
        assertTrue(e.getMessage().contains("node id 4 is not in --initial-cluster"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.of(1, members("h:1", "nohostport"), "127.0.0.1:0", Path.of("/tmp/x")));
        assertTrue(e.getMessage().contains("'nohostport' is not host:port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.of(1, members("h:1", "h:99999"), "127.0.0.1:0", Path.of("/tmp/x")));
        assertTrue(e.getMessage().contains("outside 0..65535"), e.getMessage());
        assertTrue(ServerConfig.of(1, members("h:1", "h:2"), "127.0.0.1:0", Path.of("/tmp/x")).warnings().get(0)
                .contains("even number of members"));
    }

    @Test
    void anAdvertisedClientAddressMustBeReachable() {
        ServerConfig c = ServerConfig.of(1, members("h:1"), "0.0.0.0:7001", Path.of("/tmp/x"));
        for (String bad : new String[] {"0.0.0.0:7001", "host:0", "nohostport"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServerConfig(c.nodeId(),
                    c.clusterToken(), c.initialCluster(), c.clientListen(), c.peerListen(), c.dataDir(), c.tick(),
                    c.electionTicks(), c.heartbeatTicks(), c.limits(), c.requestTimeout(), c.snapshotEvery(),
                    c.retainEntries(), false, bad, null));
            assertTrue(e.getMessage().contains("--advertise-client-addr"), e.getMessage());
        }
    }
}
