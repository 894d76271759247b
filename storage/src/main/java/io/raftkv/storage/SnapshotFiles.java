package io.raftkv.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code snap/} directory: finished images {@code <index>-<term>.snap} (hex), images being written
 * ({@code .tmp}) or received ({@code .part}), and staging directories of SST files during an install.
 * A file gets its final name only after it is complete and fsynced, and the rename is made durable by
 * syncing the directory, so a crash never leaves a final name on a partial file.
 */
final class SnapshotFiles {
    static final String DIR_NAME = "snap";
    static final String IMAGE = ".snap";
    static final String PARTIAL = ".part";
    static final String TEMP = ".tmp";

    final Path dir;

    SnapshotFiles(Path dataDir) {
        this.dir = dataDir.resolve(DIR_NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create snapshot directory " + dir + ": " + e, e);
        }
    }

    static String baseName(long index, long term) {
        return String.format("%016x-%016x", index, term);
    }

    Path image(SnapshotMetadata m) {
        return dir.resolve(baseName(m.index(), m.term()) + IMAGE);
    }

    Path partial(SnapshotMetadata m) {
        return dir.resolve(baseName(m.index(), m.term()) + PARTIAL);
    }

    Path temp(long index, long term) {
        return dir.resolve(baseName(index, term) + TEMP);
    }

    Path staging(SnapshotMetadata m) {
        return dir.resolve("install-" + baseName(m.index(), m.term()));
    }

    static void fsyncDir(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /** Finished images, newest (highest index) first. */
    List<Path> images() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(IMAGE)).toList());
            l.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
            return l;
        }
    }

    /** Drops abandoned temp files and staging directories (not partial receives: those resume). */
    void cleanAtOpen() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(TEMP)) {
                    Files.deleteIfExists(p);
                } else if (n.startsWith("install-")) {
                    deleteTree(p);
                }
            }
        }
    }

    /** Keeps the {@code keepNewest} newest images and everything in {@code pinned}; deletes older images. */
    void retain(int keepNewest, Set<Path> pinned) throws IOException {
        List<Path> all = images();
        for (int i = keepNewest; i < all.size(); i++) {
            if (!pinned.contains(all.get(i))) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }
}
