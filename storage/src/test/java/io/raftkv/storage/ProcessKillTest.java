package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: a child JVM appends (synced) and applies until the test SIGKILLs it at a random
 * acknowledgement, three times over on the same directory. After each kill, everything the child
 * acknowledged must be there and the state must be "entries 2..applied, each once" (index 1 is the
 * bootstrap snapshot, which holds no entry).
 */
class ProcessKillTest {
    @TempDir
    Path dir;

    /** Child process: runs the workload until killed, printing what it acknowledged. */
    public static void main(String[] args) throws Exception {
        Path d = Path.of(args[0]);
        Random rnd = new Random(Long.parseLong(args[1]));
        try (RaftStore s = Fixtures.open(d)) {
            catchUp(s);
            while (true) {
                long from = s.log().lastIndex() + 1;
                List<Entry> ents = new ArrayList<>();
                for (int i = 0, n = 1 + rnd.nextInt(16); i < n; i++) {
                    ents.add(CrashTest.entry(1, from + i));
                }
                long last = from + ents.size() - 1;
                s.persist(Fixtures.ready(ents, Optional.of(new HardState(1, 1, last)), Optional.empty()));
                System.out.println("ACK " + last);
                s.stateMachine().apply(ents, Map.of());
                System.out.println("APPLIED " + last);
                System.out.flush();
            }
        }
    }

    static void catchUp(RaftStore s) {
        long applied = s.stateMachine().appliedIndex();
        long commit = s.log().hardState().commit();
        if (commit > applied) {
            s.stateMachine().apply(s.log().entries(applied + 1, commit + 1, Long.MAX_VALUE), Map.of());
        }
    }

    @Test
    void sigkillAtRandomPointsLosesNothingAcknowledged() throws Exception {
        Random rnd = new Random(42);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long acked = 0;
        for (int round = 0; round < 3; round++) {
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    ProcessKillTest.class.getName(), dir.toString(), Integer.toString(round))
                    .redirectErrorStream(true).start();
            int killAfter = 20 + rnd.nextInt(200);
            long appliedSeen = 0;
            List<String> other = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                int acks = 0;
                String line;
                while (acks < killAfter && (line = out.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acked = Long.parseLong(line.substring(4));
                        acks++;
                    } else if (line.startsWith("APPLIED ")) {
                        appliedSeen = Long.parseLong(line.substring(8));
                    } else if (other.size() < 50) {
                        other.add(line);
                    }
                }
                assertEquals(killAfter, acks, "child died early: " + String.join("\n", other));
                p.destroyForcibly();
                p.waitFor();
            }
            try (RaftStore s = Fixtures.open(dir)) {
                assertTrue(s.log().lastIndex() >= acked, "acknowledged " + acked + ", log ends at " + s.log().lastIndex());
                assertEquals(acked, s.log().entries(acked, acked + 1, Long.MAX_VALUE).get(0).index());
                long applied = s.stateMachine().appliedIndex();
                assertTrue(applied >= appliedSeen, "applied " + applied + " < reported " + appliedSeen);
                KeyValue counter = s.stateMachine().get(b("counter")).orElseThrow();
                // One put of counter per entry 2..applied.
                assertEquals(applied - 1, counter.version(), "an entry was applied twice or skipped");
                assertEquals(Long.toString(applied), counter.value().utf8());
                catchUp(s);
                assertEquals(s.log().hardState().commit() - 1, s.stateMachine().get(b("counter")).orElseThrow().version());
            }
        }
    }
}
