package io.raftkv.server.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value read from files and read again when they change: the TLS material a node serves, so that
 * certificates and keys rotate without a restart. The files are looked at lazily, from the handshakes that
 * use the value, at most once per {@code checkEvery}: no thread of its own, and an idle node reads nothing.
 * A change that cannot be loaded (a half-written file, a key that does not match its new certificate) keeps
 * the previous value and is reported once; the next change is tried again.
 */
final class Reloadable<T> {
    private static final Logger LOG = LoggerFactory.getLogger(Reloadable.class);
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    /** Reads the value from the files. */
    interface Loader<T> {
        T load() throws IOException, GeneralSecurityException;
    }

    /** What identifies one version of a file: replacing it (rename) or rewriting it changes one of these. */
    record Stamp(Path path, Object modified, long size, Object fileKey) {
        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Stamp(p, a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                return new Stamp(p, null, -1, null); // missing for a moment (a rename in progress): a change too
            }
        }
    }

    /** One loaded version; the generation tells versions apart (key manager aliases name it). */
    record Version<T>(long generation, T value, List<Stamp> stamps) {
    }

    private final String what;
    private final List<Path> files;
    private final Loader<T> loader;
    private final LongSupplier nanos;
    private final long checkEveryNanos;
    private final AtomicLong nextCheck;
    private volatile Version<T> current;
    private volatile Version<T> previous;
    /** The file versions whose load failed (reported once, retried when they change again). */
    private volatile List<Stamp> failed = List.of();

    /**
     * Loads the value now.
     *
     * @throws IllegalArgumentException naming the file, when the first load fails (the node must not start)
     */
    Reloadable(String what, List<Path> files, Loader<T> loader, LongSupplier nanos, Duration checkEvery) {
        this.what = what;
        this.files = List.copyOf(files);
        this.loader = Objects.requireNonNull(loader, "loader");
        this.nanos = nanos;
        this.checkEveryNanos = checkEvery.toNanos();
        List<Stamp> stamps = stamps();
        try {
            this.current = new Version<>(1, loader.load(), stamps);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the " + what + ": " + describe(e), e);
        }
        this.previous = current;
        this.nextCheck = new AtomicLong(nanos.getAsLong() + checkEveryNanos);
    }

    Reloadable(String what, List<Path> files, Loader<T> loader) {
        this(what, files, loader, System::nanoTime, CHECK_EVERY);
    }

    /** The current version, after reloading it if the files changed and the last look is old enough. */
    Version<T> get() {
        long now = nanos.getAsLong();
        long due = nextCheck.get();
        // One caller per interval looks at the files; the others go on with what is loaded.
        if (now - due >= 0 && nextCheck.compareAndSet(due, now + checkEveryNanos)) {
            reloadIfChanged();
        }
        return current;
    }

    /** The version with this generation if it is the current or the one before, else null (long gone). */
    Version<T> generation(long generation) {
        Version<T> c = current;
        if (c.generation() == generation) {
            return c;
        }
        Version<T> p = previous;
        return p.generation() == generation ? p : null;
    }

    private void reloadIfChanged() {
        List<Stamp> stamps = stamps();
        Version<T> c = current;
        if (stamps.equals(c.stamps()) || stamps.equals(failed)) {
            return;
        }
        try {
            T value = loader.load();
            previous = c;
            current = new Version<>(c.generation() + 1, value, stamps);
            failed = List.of();
            LOG.info("reloaded the {} from {}", what, files);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            failed = stamps;
            LOG.warn("the {} changed but cannot be loaded, still using the previous one: {}", what, describe(e));
        }
    }

    private List<Stamp> stamps() {
        List<Stamp> s = new ArrayList<>(files.size());
        for (Path p : files) {
            s.add(Stamp.of(p));
        }
        return s;
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file " + n.getFile();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
