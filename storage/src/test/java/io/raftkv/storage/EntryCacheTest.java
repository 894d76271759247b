package io.raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.Entry;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EntryCacheTest {
    @TempDir
    Path dir;

    /** Issue 11: every read of the log's tail decoded fresh copies of every payload from RocksDB. */
    @Test
    void theLogServesItsTailWithoutCopies() {
        try (RaftStore s = Fixtures.open(dir)) {
            List<Entry> written = entries(2, 50, 1, 300);
            s.log().write(LogWrite.append(written, true));
            List<Entry> read = s.log().entries(10, 51, Long.MAX_VALUE);
            assertEquals(41, read.size());
            for (int i = 0; i < read.size(); i++) {
                assertSame(written.get(i + 8).data(), read.get(i).data(), "entry " + read.get(i).index());
            }
            s.log().clearCache();
            assertEquals(written.subList(8, 49), s.log().entries(10, 51, Long.MAX_VALUE), "and the same from disk");
        }
    }

    private static List<Entry> entries(long from, long to, long term, int size) {
        List<Entry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(Entry.normal(term, i, new byte[size]));
        }
        return out;
    }

    @Test
    void servesTheSameObjectsThatWereWritten() {
        EntryCache c = new EntryCache(1 << 20);
        List<Entry> written = entries(5, 9, 1, 10);
        c.append(written);
        List<Entry> got = c.get(6, 9, Long.MAX_VALUE);
        assertEquals(List.of(6L, 7L, 8L), got.stream().map(Entry::index).toList());
        assertSame(written.get(1).data(), got.get(0).data(), "shared payload, not a copy");
        assertEquals(1, c.term(9));
        assertEquals(-1, c.term(10));
    }

    @Test
    void answersOnlyWhatItCanAnswerWhole() {
        EntryCache c = new EntryCache(1 << 20);
        c.append(entries(5, 9, 1, 10));
        assertNull(c.get(4, 6, Long.MAX_VALUE), "starts before the cache");
        assertNull(c.get(8, 12, Long.MAX_VALUE), "runs past the cache");
        assertEquals(1, c.get(8, 12, 10 + Entry.OVERHEAD_BYTES + 1).size(), "unless the byte limit stops it first");
        assertEquals(1, c.get(5, 9, 1).size(), "at least one entry");
    }

    @Test
    void anOverwrittenSuffixIsReplacedAndAGapClears() {
        EntryCache c = new EntryCache(1 << 20);
        c.append(entries(5, 9, 1, 10));
        c.append(entries(7, 8, 2, 10));
        assertEquals(List.of(1L, 1L, 2L, 2L), c.get(5, 9, Long.MAX_VALUE).stream().map(Entry::term).toList());
        assertNull(c.get(9, 10, Long.MAX_VALUE), "index 9 of term 1 was truncated");
        c.append(entries(20, 21, 3, 10));
        assertNull(c.get(5, 6, Long.MAX_VALUE), "a gap: the cache restarts at 20");
        assertEquals(2, c.get(20, 22, Long.MAX_VALUE).size());
    }

    @Test
    void boundedByBytesKeepingTheNewest() {
        long per = 1000 + Entry.OVERHEAD_BYTES + EntryCache.ENTRY_FOOTPRINT;
        EntryCache c = new EntryCache(10 * per);
        c.append(entries(1, 100, 1, 1000));
        assertTrue(c.bytes() <= 10 * per);
        assertNull(c.get(90, 91, Long.MAX_VALUE));
        assertEquals(10, c.get(91, 101, Long.MAX_VALUE).size());
        c.compactTo(95);
        assertNull(c.get(95, 96, Long.MAX_VALUE));
        assertEquals(5, c.get(96, 101, Long.MAX_VALUE).size());
        c.clear();
        assertEquals(0, c.bytes());
    }
}
