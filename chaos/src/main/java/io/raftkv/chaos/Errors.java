package io.raftkv.chaos;

import io.raftkv.client.CallFailure;
import io.raftkv.client.RaftKvException;

/**
 * Turns a failed call into FAIL or INFO. The retry table and its decoder are the client library's
 * ({@link CallFailure}, {@link RaftKvException#outcome()}); this class only maps its outcome to Jepsen's: FAIL
 * only when the request certainly had no effect, INFO whenever a write may have been applied. A read has
 * no effect, so a failed read is always FAIL.
 */
final class Errors {
    /** The classification of one failure, with the leader hint (if any) for the next attempt. */
    record Classified(Outcome outcome, String reason, String leaderAddress) {
    }

    private Errors() {
    }

    /** A failure of a raw-stub call (a {@code StatusRuntimeException}). */
    static Classified fromStub(Throwable grpcFailure, boolean write) {
        CallFailure f = CallFailure.decode(grpcFailure);
        return new Classified(outcome(f.writeOutcome(), write), f.summary(), f.leaderAddress());
    }

    /** A failure the client library reported. */
    static Classified fromLibrary(RaftKvException e, boolean write) {
        return new Classified(outcome(e.outcome(), write), e.getClass().getSimpleName() + ": " + e.getMessage(), "");
    }

    static Outcome outcome(RaftKvException.Outcome o, boolean write) {
        return write && o == RaftKvException.Outcome.UNKNOWN ? Outcome.INFO : Outcome.FAIL;
    }
}
