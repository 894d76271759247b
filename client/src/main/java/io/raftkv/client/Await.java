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
            throw abandoned("the call was cancelled", safety, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw abandoned("interrupted while waiting", safety, e);
        }
    }

    /** The caller stopped waiting, but the call goes on: a write may still apply. */
    private static RaftKvException abandoned(String why, Call.Safety safety, Throwable cause) {
        return switch (safety) {
            case UNSAFE_WRITE -> new IndeterminateException(why + "; the write may or may not apply", cause);
            case SESSION_WRITE -> new UnavailableException(why + "; the write may still apply, at most once", cause,
                    RaftKvException.Outcome.UNKNOWN);
            case IDEMPOTENT -> new UnavailableException(why, cause, RaftKvException.Outcome.NOT_APPLIED);
        };
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
        // Nothing in the client fails this way; if something did, nobody can say what was applied.
        return new ServerErrorException("unexpected failure: " + t, t, RaftKvException.Outcome.UNKNOWN);
    }
}
