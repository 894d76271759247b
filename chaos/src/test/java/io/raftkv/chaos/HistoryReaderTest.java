package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** history.jsonl round trip, and {@code raftkv chaos check} on saved histories. */
class HistoryReaderTest {
    @TempDir
    Path dir;

    @Test
    void aWrittenHistoryReadsBackIdentically() throws IOException {
        List<Op> ops = new Histories()
                .write(0, "k", "a\"quoted\"\n", 0, 10, Outcome.OK)
                .read(1, "k", null, 1, 2)
                .cas(2, "k", "a", "b", false, null, 3, 4)
                .cas(2, "k", "x", "b", true, null, 5, 6)
                .casInfo(3, "k", "b", "c", 7, 8)
                .failedRead(4, "k", 9, 11)
                .add(5, "s", "e1", 12, 13, Outcome.INFO)
                .readAll(6, "s", List.of("e1", "e2"), 14, 15)
                .append(7, "c", "t1", 16, 17, Outcome.OK)
                .append(7, "c", "t2", 18, 19, Outcome.INFO)
                .readTokens(8, "c", List.of("t1", "t2", "t1"), 20, 21)
                .ops();
        Path file = dir.resolve("history.jsonl");
        HistoryJson.write(file, ops);
        assertEquals(ops, HistoryReader.read(file));
    }

    @Test
    void checkDecidesSavedHistories() throws IOException {
        Path good = dir.resolve("good");
        Files.createDirectories(good);
        HistoryJson.write(good.resolve("history.jsonl"),
                LinearizabilityCheckerTest.simulatedRegister(new Random(3), 500, 6, 0.1));
        Path bad = dir.resolve("bad.jsonl");
        HistoryJson.write(bad, new Histories().write(0, "k", "a", 0, 1, Outcome.OK).read(1, "k", null, 2, 3).ops());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(new String[] {"check", good.toString()}, Map.of(), o, o));
        assertEquals(1, Main.run(new String[] {"check", bad.toString(), "--check-budget", "10s"}, Map.of(), o, o));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("PASS: linearizable=true"), text);
        assertTrue(text.contains("VIOLATION: linearizable=false"), text);
        assertTrue(text.contains("key k: not linearizable"), text);
        assertEquals(2, Main.run(new String[] {"check", dir.resolve("missing").toString()}, Map.of(), o, o));
        assertEquals(2, Main.run(new String[] {"check"}, Map.of(), o, o));
    }

    @Test
    void truncatedOrMalformedHistoriesAreRefused() throws IOException {
        Path truncated = dir.resolve("t.jsonl");
        Files.writeString(truncated, "{\"index\":0,\"type\":\"invoke\",\"op\":0,\"process\":0,\"node\":1,\"f\":\"read\",\"key\":\"k\","
                + "\"time\":1}\n");
        assertThrows(IOException.class, () -> HistoryReader.read(truncated));
        Path malformed = dir.resolve("m.jsonl");
        Files.writeString(malformed, "{\"index\":0,\n");
        assertThrows(IOException.class, () -> HistoryReader.read(malformed));
    }

    @Test
    void jsonParserReadsWhatJsonWrites() {
        Object v = JsonParser.parse(Json.write(Map.of("a", List.of(1, 2.5, true, "x\u0001\"y"))));
        assertEquals(Map.of("a", List.of(1L, 2.5, true, "x\u0001\"y")), v);
        assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> JsonParser.parse("[1,"));
    }
}
