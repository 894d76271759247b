package io.raftkv.storage;

import java.util.Objects;

/** A condition of a {@link Command.Txn} on one key's current state; a missing key has version/indexes 0 and no value. */
public sealed interface Compare {
    enum Cmp { EQUAL, NOT_EQUAL, LESS, GREATER }

    Bytes key();

    Cmp cmp();

    record Version(Bytes key, Cmp cmp, long version) implements Compare {
        public Version {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(cmp, "cmp");
        }
    }

    record ModIndex(Bytes key, Cmp cmp, long modIndex) implements Compare {
        public ModIndex {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(cmp, "cmp");
        }
    }

    record CreateIndex(Bytes key, Cmp cmp, long createIndex) implements Compare {
        public CreateIndex {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(cmp, "cmp");
        }
    }

    /** Compares values in unsigned byte order; false for a missing key whatever {@code cmp} is (as etcd). */
    record Value(Bytes key, Cmp cmp, Bytes value) implements Compare {
        public Value {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(cmp, "cmp");
            Objects.requireNonNull(value, "value");
        }
    }

    static Compare absent(Bytes key) {
        return new Version(key, Cmp.EQUAL, 0);
    }

    static Compare exists(Bytes key) {
        return new Version(key, Cmp.GREATER, 0);
    }
}
