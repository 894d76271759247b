package io.raftkv.server.transport;

import java.util.Arrays;

/**
 * A node's answer to "what is the hash of your state right after index I" (the corruption check):
 * the hash, or that it is not there yet (pending: ask again), or neither (unknown: it never had that
 * point, e.g. it installed a snapshot past it).
 */
public record HashAnswer(byte[] hash, boolean pending) {
    public static final HashAnswer PENDING = new HashAnswer(null, true);
    public static final HashAnswer UNKNOWN = new HashAnswer(null, false);

    public boolean known() {
        return hash != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashAnswer a && a.pending == pending && Arrays.equals(a.hash, hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash) * 31 + (pending ? 1 : 0);
    }

    @Override
    public String toString() {
        return known() ? "hash " + java.util.HexFormat.of().formatHex(hash, 0, Math.min(8, hash.length)) : pending ? "pending" : "unknown";
    }
}
