package io.raftkv.client;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns the asynchronous forms into the synchronous ones, rethrowing the {@link RaftKvException} itself. */
final class Await {
    private Await() {
    }

    /**
     * Waits for {@code f}. An interrupt stops the wait, not the call: the thread's interrupt flag is kept,
     * and the error says what that means for the request's outcome.
     */
    static <T> T result(CompletableFuture<T> f, Call.Safety safety) {
        try {
            return f.get();
        } catch (ExecutionException | CompletionException e) {
            throw unwrap(e.getCause() == null ? e : e.getCause());
        } catch (CancellationException e) {
            throw new UnavailableException("the call was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (safety == Call.Safety.UNSAFE_WRITE) {
                throw new IndeterminateException("interrupted while waiting; the write may or may not apply", e);
            }
            throw new UnavailableException("interrupted while waiting"
                    + (safety == Call.Safety.SESSION_WRITE ? "; the write applies at most once" : ""), e);
        }
    }

    /** Which retry rule a writer's writes follow (for the interrupt handling of the synchronous forms). */
    static Call.Safety safetyOf(KvWriter w) {
        if (w instanceof RaftKvClient c) {
            return c.writeSafety();
        }
        return Call.Safety.SESSION_WRITE;
    }

    /** The exception a synchronous caller should see for an asynchronous failure. */
    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new ServerErrorException("unexpected failure: " + t, t);
    }
}
