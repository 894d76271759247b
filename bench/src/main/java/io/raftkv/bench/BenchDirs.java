package io.raftkv.bench;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Ready;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.CommandCodec;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import io.raftkv.storage.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Scratch directories and store fixtures for the benchmarks (on the disk under test: -Dbench.dir, default /tmp). */
final class BenchDirs {
    private BenchDirs() {
    }

    static Path create(String prefix) {
        try {
            Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "raftkv-" + prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RaftStore open(Path dir, long node) {
        return RaftStore.open(StoreConfig.of(dir, node, "bench").withInitialMembers(io.raftkv.raft.ConfState.of(List.of(1L, 2L, 3L))));
    }

    static Ready ready(List<Entry> ents, HardState hs, Optional<io.raftkv.raft.Snapshot> snap) {
        return new Ready(Optional.empty(), Optional.of(hs), List.of(), ents, snap, List.of(), List.of(), List.of(), true);
    }

    /** Appends (synced) and applies entries carrying {@code commands}; returns the last index. */
    static long appendAndApply(RaftStore store, List<Command> commands) {
        long next = store.log().lastIndex() + 1;
        List<Entry> ents = new ArrayList<>();
        for (Command c : commands) {
            ents.add(Entry.normal(1, next++, CommandCodec.encode(Request.of(c))));
        }
        store.persist(ready(ents, new HardState(1, 1, next - 1), Optional.empty()));
        store.stateMachine().apply(ents, Map.of());
        return next - 1;
    }

    /** Loads {@code keys} keys of {@code valueBytes} bytes, 1,000 puts per entry. */
    static void load(RaftStore store, int keys, int valueBytes) {
        byte[] value = new byte[valueBytes];
        for (int base = 0; base < keys; base += 1_000) {
            List<Command.Op> ops = new ArrayList<>();
            for (int i = base; i < Math.min(keys, base + 1_000); i++) {
                value[0] = (byte) i;
                ops.add(new Command.Put(Bytes.of(String.format("key/%08d", i)), Bytes.copyOf(value)));
            }
            appendAndApply(store, List.of(new Command.Txn(List.of(), ops, List.of())));
        }
    }

    static Map<String, String> describe(RaftStore s) {
        return Map.of("applied", Long.toString(s.stateMachine().appliedIndex()));
    }
}
