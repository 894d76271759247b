package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfianTest {
    private static final int N = 1_000;
    private static final int SAMPLES = 200_000;

    @Test
    void ranksFollowZipfsLaw() {
        Zipfian z = new Zipfian(N, Zipfian.THETA);
        SplittableRandom r = new SplittableRandom(42);
        long[] counts = new long[N];
        for (int i = 0; i < SAMPLES; i++) {
            long rank = z.rank(r);
            assertTrue(rank >= 0 && rank < N, "rank " + rank);
            counts[(int) rank]++;
        }
        // P(rank k) = 1 / ((k+1)^theta * zeta(N)): rank 0 takes about 13% of the draws at N = 1000.
        double zeta = Zipfian.zeta(N, Zipfian.THETA);
        for (int k : new int[] {0, 1, 9}) {
            double expected = SAMPLES / (Math.pow(k + 1, Zipfian.THETA) * zeta);
            assertEquals(expected, counts[k], expected * 0.08, "rank " + k);
        }
        assertTrue(counts[0] > counts[1] && counts[1] > counts[9] && counts[9] > counts[500]);
    }

    @Test
    void keysAreTheRanksScrambledOverTheWholeSpace() {
        Zipfian z = new Zipfian(N, Zipfian.THETA);
        SplittableRandom r = new SplittableRandom(7);
        long[] counts = new long[N];
        for (int i = 0; i < SAMPLES; i++) {
            long k = z.next(r);
            assertTrue(k >= 0 && k < N, "key " + k);
            counts[(int) k]++;
        }
        int hottest = 0;
        for (int i = 1; i < N; i++) {
            if (counts[i] > counts[hottest]) {
                hottest = i;
            }
        }
        // The most popular rank lands where FNV puts it, not on key 0; the skew survives the scrambling.
        assertEquals(Long.remainderUnsigned(Zipfian.fnv1a64(0), N), hottest);
        long[] sorted = counts.clone();
        Arrays.sort(sorted);
        assertTrue(sorted[N - 1] > 50 * Math.max(1, sorted[N / 2]), "skewed: top " + sorted[N - 1] + ", median " + sorted[N / 2]);
    }

    @Test
    void sameSeedSameKeys() {
        Zipfian z = new Zipfian(100_000, Zipfian.THETA);
        SplittableRandom a = new SplittableRandom(3);
        SplittableRandom b = new SplittableRandom(3);
        for (int i = 0; i < 1_000; i++) {
            assertEquals(z.next(a), z.next(b));
        }
    }
}
