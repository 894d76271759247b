package io.raftkv.chaos;

import java.util.Objects;

/**
 * What a client asked for. Register operations name a key; set operations name the set (a key prefix).
 * Values are unique per run, so a read identifies exactly which write it observed.
 */
sealed interface Call permits Call.Read, Call.Write, Call.Cas, Call.Add, Call.ReadAll, Call.Append, Call.ReadTokens {
    /** The register key or set name: the unit the checker partitions a history by. */
    String key();

    /** Short name used in history.jsonl and the report. */
    String fn();

    /** Whether the call can change state: a failed write may still have happened, a failed read never matters. */
    boolean mutates();

    record Read(String key) implements Call {
        public Read {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String fn() {
            return "read";
        }

        @Override
        public boolean mutates() {
            return false;
        }
    }

    record Write(String key, String value) implements Call {
        public Write {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String fn() {
            return "write";
        }

        @Override
        public boolean mutates() {
            return true;
        }
    }

    /** Compare-and-set by value: {@code expected} must be the current value (an absent key never matches). */
    record Cas(String key, String expected, String value) implements Call {
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String fn() {
            return "cas";
        }

        @Override
        public boolean mutates() {
            return true;
        }
    }

    /** Adds a unique element to a set. */
    record Add(String key, String element) implements Call {
        public Add {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(element, "element");
        }

        @Override
        public String fn() {
            return "add";
        }

        @Override
        public boolean mutates() {
            return true;
        }
    }

    /**
     * Appends a unique token to a counter key, exactly once: one logical increment, however many reads and
     * session compare-and-sets it took ({@link CounterWorkload}).
     */
    record Append(String key, String token) implements Call {
        public Append {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String fn() {
            return "append";
        }

        @Override
        public boolean mutates() {
            return true;
        }
    }

    /** Reads a counter key's tokens in order, duplicates kept (the final read after healing). */
    record ReadTokens(String key) implements Call {
        public ReadTokens {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String fn() {
            return "read-tokens";
        }

        @Override
        public boolean mutates() {
            return false;
        }
    }

    /** Reads a whole set (the final read after healing). */
    record ReadAll(String key) implements Call {
        public ReadAll {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String fn() {
            return "read-all";
        }

        @Override
        public boolean mutates() {
            return false;
        }
    }
}
