package io.raftkv.storage;

import io.raftkv.raft.ConfState;
import java.util.List;

/** The outcome of applying one log entry; expected rejections are values, as in the core. */
public sealed interface Result {

    /** A put: the key's new version and the index of this change. */
    record Written(long modIndex, long version) implements Result {
    }

    record Deleted(long count) implements Result {
    }

    record RangeResult(List<KeyValue> kvs, boolean more) implements Result {
        public RangeResult {
            kvs = List.copyOf(kvs);
        }
    }

    record TxnResult(boolean succeeded, List<Result> results) implements Result {
        public TxnResult {
            results = List.copyOf(results);
        }
    }

    record SessionOpened(long sessionId) implements Result {
    }

    record SessionsExpired(List<Long> sessionIds) implements Result {
        public SessionsExpired {
            sessionIds = List.copyOf(sessionIds);
        }
    }

    /** A keep-alive or close that found its session. */
    record Done() implements Result {
    }

    /** The leader's empty entry of a new term. */
    record NoOp() implements Result {
    }

    record ConfChanged(ConfState confState) implements Result {
    }

    /** A {@link Command.HashState} was applied: the state as of {@code index} can be hashed ({@code KvStateMachine.stateHash}). */
    record HashPoint(long index) implements Result {
    }

    /** An auth store change was applied; the store is now at {@code revision}. */
    record AuthChanged(long revision) implements Result {
    }

    record Rejected(Reason reason, String detail) implements Result {
    }

    enum Reason {
        /** The session expired or never existed: the client must open a new one (its outcome is unknown). */
        UNKNOWN_SESSION,
        /** An older sequence number than the session's last one; its result is no longer kept. */
        STALE_SEQUENCE,
        /** The payload could not be decoded; deterministic on every replica, so it is rejected, not fatal. */
        MALFORMED_COMMAND,
        /**
         * A client request authorized at an older auth revision than the store's when it was applied: not
         * applied (its session sequence is not used up); the client re-authenticates and retries.
         */
        AUTH_STALE,
        /** An auth store change the store refused (user exists, no such role, enable without root, ...). */
        AUTH_REFUSED,
        /** With auth enabled, a request in (or about) a session another user opened; not applied. */
        NOT_SESSION_OWNER
    }
}
