package io.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsTest {
    @TempDir
    Path dir;

    @Test
    void flagBeatsExplicitDirBeatsEnvironmentBeatsDefaultLocalCluster() throws IOException {
        Path implicit = dir.resolve(".local-cluster");
        Path explicit = dir.resolve("other");
        Files.createDirectories(implicit);
        Files.createDirectories(explicit);
        Files.writeString(implicit.resolve("endpoints"), "127.0.0.1:8001,127.0.0.1:8002\n");
        Files.writeString(explicit.resolve("endpoints"), "127.0.0.1:9001\n");
        Map<String, String> env = Map.of("RAFTKV_ENDPOINTS", "10.0.0.1:9000");

        Endpoints.Resolved flag = Endpoints.resolve("h1:1,h2:2", explicit, env, implicit);
        assertEquals(List.of("h1:1", "h2:2"), flag.endpoints());
        assertEquals("--endpoints", flag.source());

        Endpoints.Resolved fromDir = Endpoints.resolve(null, explicit, env, implicit);
        assertEquals(List.of("127.0.0.1:9001"), fromDir.endpoints());

        Endpoints.Resolved fromEnv = Endpoints.resolve(null, null, env, implicit);
        assertEquals(List.of("10.0.0.1:9000"), fromEnv.endpoints());
        assertEquals("RAFTKV_ENDPOINTS", fromEnv.source());

        Endpoints.Resolved file = Endpoints.resolve(null, null, Map.of("RAFTKV_ENDPOINTS", " "), implicit);
        assertEquals(List.of("127.0.0.1:8001", "127.0.0.1:8002"), file.endpoints());
        assertEquals(implicit.resolve("endpoints").toString(), file.source());
    }

    @Test
    void nothingConfiguredIsAUsageErrorThatSaysWhatToDo() {
        CliException e = assertThrows(CliException.class, () -> Endpoints.resolve(null, null, Map.of(), dir));
        assertEquals(CliException.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("--endpoints") && e.getMessage().contains("RAFTKV_ENDPOINTS")
                && e.getMessage().contains("raftkv local up"), e.getMessage());
        CliException noDir = assertThrows(CliException.class,
                () -> Endpoints.resolve(null, dir.resolve("x"), Map.of("RAFTKV_ENDPOINTS", "a:1"), dir));
        assertTrue(noDir.getMessage().startsWith("no endpoints in " + dir.resolve("x")), noDir.getMessage());
    }

    @Test
    void entriesAreTrimmedAndDeduplicatedAndCheckedByTheClient() {
        assertEquals(List.of("a:1", "b:2"), Endpoints.parse(" a:1, b:2 ,a:1,\n", "x"));
        assertThrows(CliException.class, () -> Endpoints.parse(" , ", "--endpoints"));
        FakeCluster.Result r = FakeCluster.run(Map.of("RAFTKV_ENDPOINTS", "a:1,nope"), dir, "get", "k");
        assertEquals(CliException.USAGE, r.code());
        assertTrue(r.err().contains("RAFTKV_ENDPOINTS: endpoint 'nope' is not host:port"), r.err());
    }

    @Test
    void clientCommandsFallBackToTheLocalClusterDirectory() throws IOException {
        Path local = dir.resolve(".local-cluster");
        Files.createDirectories(local);
        Files.writeString(local.resolve("endpoints"), "bad-endpoint\n");
        FakeCluster.Result r = FakeCluster.run(Map.of(), dir, "get", "k");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(local.resolve("endpoints") + ": endpoint 'bad-endpoint'"), r.err());
    }
}
