package io.raftkv.bench.compare;

import java.time.Duration;

/**
 * The generator's view of one system's client library: a single client object (RaftKvClient or jetcd's
 * Client) that all generator threads share, as an application would. Keys are numbers; each driver encodes
 * them once ({@link Keys}) so the measured path is the library call, not string formatting.
 * Calls are synchronous and throw whatever the library throws.
 */
interface Driver extends AutoCloseable {
    void put(int key) throws Exception;

    void get(int key, boolean linearizable) throws Exception;

    /** Writes keys {@code [from, to)} in one transaction (preloading before reads are measured). */
    void load(int from, int to) throws Exception;

    /** A short, stable name for an error: what the table counts errors by. */
    String errorKind(Throwable t);

    @Override
    void close();

    /**
     * How the client is built.
     *
     * @param callDeadline null: the library's defaults (raftkv: 5 s per call with retries; jetcd: no
     *                     deadline, bounded here by {@link #SAFETY_TIMEOUT}); else each call gives up after it
     * @param keys         the key space
     * @param valueBytes   the value size of every write
     */
    record Settings(Duration callDeadline, int keys, int valueBytes) {
        /** jetcd calls have no deadline by default; a benchmark thread must not wait forever. */
        static final Duration SAFETY_TIMEOUT = Duration.ofSeconds(30);

        String label() {
            return callDeadline == null ? "default client" : "deadline " + Units.duration(callDeadline) + " per call";
        }
    }
}
