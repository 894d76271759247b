package io.raftkv.bench.compare;

import java.util.random.RandomGenerator;

/**
 * YCSB's scrambled zipfian key chooser (Gray et al., "Quickly generating billion-record synthetic
 * databases"; YCSB's {@code ScrambledZipfianGenerator}): item ranks follow a zipfian law with constant
 * {@code theta}, and each rank is hashed (FNV-1a 64) onto the key space so the hot keys are spread over
 * it instead of being the lowest-numbered ones. Immutable; each thread brings its own random source.
 */
final class Zipfian {
    /** YCSB's default skew. */
    static final double THETA = 0.99;

    private final long items;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;
    private final double halfPowTheta;

    Zipfian(long items, double theta) {
        if (items < 2) {
            throw new IllegalArgumentException("need at least 2 items, got " + items);
        }
        this.items = items;
        this.theta = theta;
        this.alpha = 1.0 / (1.0 - theta);
        this.zetan = zeta(items, theta);
        this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta(2, theta) / zetan);
        this.halfPowTheta = 1 + Math.pow(0.5, theta);
    }

    static double zeta(long n, double theta) {
        double sum = 0;
        for (long i = 1; i <= n; i++) {
            sum += 1 / Math.pow(i, theta);
        }
        return sum;
    }

    /** A zipfian rank in [0, items): 0 is the most popular. */
    long rank(RandomGenerator random) {
        double u = random.nextDouble();
        double uz = u * zetan;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < halfPowTheta) {
            return 1;
        }
        return Math.min(items - 1, (long) (items * Math.pow(eta * u - eta + 1, alpha)));
    }

    /** A key in [0, items): the rank scrambled over the key space. */
    long next(RandomGenerator random) {
        return Long.remainderUnsigned(fnv1a64(rank(random)), items);
    }

    static long fnv1a64(long v) {
        long hash = 0xCBF29CE484222325L;
        for (int i = 0; i < 8; i++) {
            hash ^= v & 0xFF;
            hash *= 0x100000001B3L;
            v >>>= 8;
        }
        return hash;
    }

    double theta() {
        return theta;
    }
}
