package io.raftkv.bench.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything the benchmark must undo: running clusters and temporary directories. Closed in reverse order
 * by whoever finishes first: the normal path (try/finally), or the shutdown hook on Ctrl-C, SIGTERM or a
 * crash, so no server process or data directory is left behind either way.
 */
final class Cleanup {
    private static final Deque<AutoCloseable> PENDING = new ArrayDeque<>();
    private static boolean hooked;

    private Cleanup() {
    }

    /** Undo {@code c} at exit unless {@link #done} was called for it first. */
    static synchronized void register(AutoCloseable c) {
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::atExit, "bench-cleanup"));
            hooked = true;
        }
        PENDING.push(c);
    }

    /** {@code c} was undone on the normal path. */
    static synchronized void done(AutoCloseable c) {
        PENDING.remove(c);
    }

    /** A directory to delete at exit; pass the handle to {@link #done} once it was deleted on the normal path. */
    static AutoCloseable deleteAtExit(Path dir) {
        AutoCloseable c = new AutoCloseable() {
            @Override
            public void close() {
                deleteTree(dir);
            }

            @Override
            public String toString() {
                return "delete " + dir;
            }
        };
        register(c);
        return c;
    }

    /** The shutdown hook: anything still pending means the run was interrupted or failed hard. */
    private static void atExit() {
        int pending;
        synchronized (Cleanup.class) {
            pending = PENDING.size();
        }
        if (pending > 0) {
            System.err.println("raftkv bench: stopping; killing the benchmark's clusters and deleting their data");
        }
        runAll();
    }

    static void runAll() {
        List<AutoCloseable> all;
        synchronized (Cleanup.class) {
            all = new ArrayList<>(PENDING);
            PENDING.clear();
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception | Error e) {
                System.err.println("cleanup: " + c + ": " + e);
            }
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
