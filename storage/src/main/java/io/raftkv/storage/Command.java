package io.raftkv.storage;

import java.util.List;
import java.util.Objects;

/**
 * A replicated state-machine command: the payload of a normal Raft entry (see {@link CommandCodec}).
 * Every replica applies the same commands in the same order, so nothing here may depend on a local
 * clock or configuration; time enters only as the leader's clock value carried inside session commands.
 */
public sealed interface Command {

    /** Operations allowed inside a {@link Txn}. */
    sealed interface Op {
    }

    record Put(Bytes key, Bytes value) implements Command, Op {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    record Delete(Bytes key) implements Command, Op {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    record DeleteRange(KeyRange range) implements Command, Op {
        public DeleteRange {
            Objects.requireNonNull(range, "range");
        }
    }

    /** A read inside a transaction, seeing the transaction's earlier writes; {@code limit >= 1}. */
    record Range(KeyRange range, int limit) implements Op {
        public Range {
            Objects.requireNonNull(range, "range");
            if (limit < 1 || limit > CommandCodec.MAX_RANGE_LIMIT) {
                throw new IllegalArgumentException("range limit " + limit + " outside [1, " + CommandCodec.MAX_RANGE_LIMIT + "]");
            }
        }
    }

    /**
     * etcd-style transaction: if every compare holds, run {@code success}, else {@code failure}; ops run in
     * order and each sees the previous ones' writes. Compare-and-set is a Txn with one compare and one op.
     */
    record Txn(List<Compare> compares, List<Op> success, List<Op> failure) implements Command {
        public Txn {
            compares = List.copyOf(compares);
            success = List.copyOf(success);
            failure = List.copyOf(failure);
        }

        /** Put {@code value} only if the key's version is {@code expectedVersion} (0: the key is absent). */
        public static Txn putIfVersion(Bytes key, long expectedVersion, Bytes value) {
            return new Txn(List.of(new Compare.Version(key, Compare.Cmp.EQUAL, expectedVersion)), List.of(new Put(key, value)), List.of());
        }

        /** Put {@code value} only if the current value equals {@code expected}. */
        public static Txn putIfValue(Bytes key, Bytes expected, Bytes value) {
            return new Txn(List.of(new Compare.Value(key, Compare.Cmp.EQUAL, expected)), List.of(new Put(key, value)), List.of());
        }
    }

    /**
     * Opens a session for exactly-once requests; its id is the index of this entry. {@code leaderTimeMillis}
     * advances the log clock that drives expiry.
     */
    record OpenSession(long ttlMillis, long leaderTimeMillis) implements Command {
        public OpenSession {
            if (ttlMillis <= 0) {
                throw new IllegalArgumentException("session ttl must be positive: " + ttlMillis);
            }
        }
    }

    record KeepAlive(long sessionId, long leaderTimeMillis) implements Command {
    }

    record CloseSession(long sessionId) implements Command {
    }

    /** Expires every session idle for longer than its ttl by the log clock (advanced to {@code leaderTimeMillis}). */
    record ExpireSessions(long leaderTimeMillis) implements Command {
    }

    /**
     * Marks an agreed point for the corruption check: every replica hashes its state exactly as it is after
     * this entry (its apply batch ends here) and the leader compares the hashes (etcd's corruption check).
     */
    record HashState() implements Command {
    }

    /**
     * Records the data-directory incarnation the cluster knows {@code member} by (the first one recorded
     * wins), so that every member, also one that never exchanged a message with it, refuses that id from
     * a recreated directory (see {@code Incarnations}).
     */
    record RecordIncarnation(long member, long incarnation) implements Command {
        public RecordIncarnation {
            if (member <= 0 || incarnation == 0) {
                throw new IllegalArgumentException("member id must be positive and incarnation non-zero: " + member
                        + ", " + incarnation);
            }
        }
    }

    /**
     * Raises ({@code active}) or clears an alarm about one member ({@code member}, or 0 for the whole
     * cluster). Replicated, so every member, also after a restart or a snapshot, knows it.
     */
    record SetAlarm(long member, Alarm.Type type, boolean active, String detail) implements Command {
        public SetAlarm {
            Objects.requireNonNull(type, "type");
            detail = detail == null ? "" : detail;
            if (member < 0) {
                throw new IllegalArgumentException("member id must not be negative: " + member);
            }
        }
    }

    /** A change of the replicated auth store (users, roles, auth on/off); see {@link AuthOp}. */
    record Auth(AuthOp op) implements Command {
        public Auth {
            Objects.requireNonNull(op, "op");
        }
    }
}
