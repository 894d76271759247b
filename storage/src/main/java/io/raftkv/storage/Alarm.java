package io.raftkv.storage;

import java.util.Objects;

/**
 * A raised alarm, part of the replicated state (etcd's alarms): which member it is about (0: the whole
 * cluster), what kind, and what raised it.
 */
public record Alarm(long member, Type type, String detail) {
    public enum Type {
        /** The member's state differs from what the other members hold at the same index: it must be replaced. */
        CORRUPT,
        /** The member is out of space: it refuses writes until space is freed (issue 14). */
        NOSPACE
    }

    public Alarm {
        Objects.requireNonNull(type, "type");
        detail = detail == null ? "" : detail;
    }
}
