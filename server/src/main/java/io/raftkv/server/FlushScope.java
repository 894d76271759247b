package io.raftkv.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces a batch stream's answers into one message per stream while a thread completes many requests in
 * a row (the responder with a batch of replies, an event loop with the ops of one batch message): a stream
 * whose op completes inside a scope is flushed once when the scope ends, not once per op. Outside a scope an
 * answer is flushed at once.
 */
final class FlushScope {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FlushScope.class);
    private static final ThreadLocal<FlushScope> CURRENT = new ThreadLocal<>();

    private final List<BatchStream> deferred = new ArrayList<>();
    private int depth;

    private FlushScope() {
    }

    /** Opens a scope on this thread (scopes nest; the outermost one flushes). */
    static void begin() {
        FlushScope s = CURRENT.get();
        if (s == null) {
            s = new FlushScope();
            CURRENT.set(s);
        }
        s.depth++;
    }

    /** Closes the scope opened by the matching {@link #begin}; the outermost flushes every stream deferred in it. */
    static void end() {
        FlushScope s = CURRENT.get();
        if (--s.depth > 0) {
            return;
        }
        try {
            for (BatchStream stream : s.deferred) {
                try {
                    stream.flush();
                } catch (RuntimeException e) {
                    // One stream's failure (a call gRPC already closed) must not cost the others their answers.
                    LOG.warn("answering a batch stream failed", e);
                }
            }
        } finally {
            s.deferred.clear();
        }
    }

    /** True if {@code stream} will be flushed when this thread's scope ends; false: no scope, flush now. */
    static boolean defer(BatchStream stream) {
        FlushScope s = CURRENT.get();
        if (s == null || s.depth == 0) {
            return false;
        }
        if (!s.deferred.contains(stream)) {
            s.deferred.add(stream);
        }
        return true;
    }
}
