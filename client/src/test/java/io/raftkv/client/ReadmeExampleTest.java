package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps client/README.md honest: its usage example is the body of {@link #example}, compiled and run here. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    static void example(PrintStream out, String... endpoints) {
        // README-BEGIN
        try (RaftKvClient client = RaftKvClient.builder()
                .endpoints(endpoints)                     // any reachable node is enough to find the leader
                .requestTimeout(Duration.ofSeconds(5))    // deadline of a whole call, retries included
                .build()) {
            client.put("greeting", "hello");
            GetResult g = client.get("greeting");       // linearizable by default
            out.println(g.valueUtf8().orElse("(missing)") + " at version " + g.kv().orElseThrow().version());

            // Optimistic concurrency: a failed comparison is a result, not an exception.
            CasResult lock = client.compareAndSet("lock", Expected.absent(), "owner-1");
            out.println("lock taken: " + lock.succeeded());

            // Exactly-once: retried across timeouts and leader changes, applied at most once.
            try (Session session = client.session()) {
                session.put("orders/1001", "paid");
                session.put("orders/1002", "new");
            }

            // Scans page transparently.
            client.scan(Scan.prefix("orders/")).forEach(kv -> out.println(kv.keyUtf8() + " = " + kv.valueUtf8()));
        } catch (IndeterminateException e) {
            // A write outside a session may or may not have been applied: read the key to find out.
        } catch (UnavailableException e) {
            // No node answered within the retry budget and deadline: try again later.
        }
        // README-END
    }

    @Test
    void readmeExampleRunsAgainstARealCluster() {
        try (RealCluster cluster = new RealCluster(dir, 3)) {
            cluster.awaitLeader();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            example(new PrintStream(buf, true, StandardCharsets.UTF_8), cluster.endpoints().toArray(String[]::new));
            assertEquals(List.of("hello at version 1", "lock taken: true", "orders/1001 = paid", "orders/1002 = new"),
                    buf.toString(StandardCharsets.UTF_8).lines().toList());
        }
    }

    @Test
    void readmeShowsExactlyThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/raftkv/client/ReadmeExampleTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        String example = between(source, "// README-BEGIN\n", "        // README-END");
        assertTrue(readme.contains(example), "client/README.md must contain the example exactly as in this test:\n" + example);
    }

    /** The lines between the markers, with the method's indentation removed. */
    private static String between(String s, String begin, String end) {
        String body = s.substring(s.indexOf(begin) + begin.length(), s.indexOf(end));
        return Arrays.stream(body.split("\n", -1)).map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
    }
}
