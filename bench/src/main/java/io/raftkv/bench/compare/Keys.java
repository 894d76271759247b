package io.raftkv.bench.compare;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The key space and the value, identical bytes for both systems. */
final class Keys {
    /** The seed of the value's bytes: random, so neither store can compress it away. */
    private static final long VALUE_SEED = 0x5EEDL;

    private Keys() {
    }

    /** Key {@code i}: {@code bench/00000042} (fixed width, so keys sort as numbers and have one size). */
    static byte[] key(int i) {
        return String.format("bench/%08d", i).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] value(int bytes) {
        byte[] v = new byte[bytes];
        new SplittableRandom(VALUE_SEED).nextBytes(v);
        return v;
    }
}
