package io.raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.Entry;
import io.raftkv.raft.LogCompactedException;
import io.raftkv.raft.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raft thread reads while the persist thread appends, overwrites suffixes and compacts: every read
 * either returns entries that were in the log at some moment (contiguous, self-consistent) or reports a
 * concurrent compaction/truncation; never a torn or corrupt view.
 */
class ConcurrentReadTest {
    @TempDir
    Path dir;

    static Entry entry(long term, long index) {
        return Entry.normal(term, index, (index + "@" + term).getBytes());
    }

    @Test
    void readsRacingAppendsTruncationsAndCompactionsStayConsistent() throws Exception {
        try (RaftStore s = Fixtures.open(dir)) {
            LogStore log = s.log();
            AtomicBoolean done = new AtomicBoolean();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                Random rnd = new Random(7);
                int reads = 0;
                while (!done.get() || reads < 1_000) {
                    long first = log.firstIndex();
                    long last = log.lastIndex();
                    if (last < first) {
                        continue;
                    }
                    long lo = first + rnd.nextInt((int) (last - first + 1));
                    long hi = Math.min(last + 1, lo + 1 + rnd.nextInt(20));
                    try {
                        List<Entry> got = log.entries(lo, hi, rnd.nextBoolean() ? Long.MAX_VALUE : 200);
                        assertTrue(!got.isEmpty());
                        for (int i = 0; i < got.size(); i++) {
                            Entry e = got.get(i);
                            assertEquals(lo + i, e.index());
                            assertEquals(e.index() + "@" + e.term(), new String(e.data()));
                        }
                        long t = log.term(lo);
                        assertTrue(t >= 1);
                    } catch (LogCompactedException | IllegalArgumentException raced) {
                        // compacted or truncated between reading the bounds and the entries: allowed
                    }
                    reads++;
                }
                return reads;
            });
            Random rnd = new Random(11);
            long term = 1;
            for (int op = 0; op < 10_000; op++) {
                long last = log.lastIndex();
                int kind = rnd.nextInt(20);
                List<Entry> ents = new ArrayList<>();
                if (kind == 0 && last - log.firstIndex() > 10) {
                    term++;
                    long from = last - rnd.nextInt(8);
                    for (int i = 0; i < 1 + rnd.nextInt(3); i++) {
                        ents.add(entry(term, from + i));
                    }
                } else if (kind == 1 && last - log.firstIndex() > 30) {
                    long at = last - 20;
                    if (at > log.snapshot().metadata().index()) {
                        log.recordSnapshot(new SnapshotMetadata(at, log.term(at), Fixtures.VOTERS));
                        log.compact(at);
                    }
                    continue;
                } else {
                    for (int i = 1; i <= 1 + rnd.nextInt(4); i++) {
                        ents.add(entry(term, last + i));
                    }
                }
                log.write(LogWrite.append(ents, false));
            }
            done.set(true);
            assertTrue(reader.get() >= 1_000);
        }
    }
}
