package io.raftkv.chaos;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the register workloads ask for, shared by the raw-stub and the client-library drivers: they draw
 * operations the same way, on the same keys, so one history mixes both clients on every register and the
 * checker judges them together. Values are unique per run, so a read names the write it saw.
 */
final class RegisterOps {
    private final KeyPool keys;
    private final AtomicLong values = new AtomicLong();

    RegisterOps(KeyPool keys) {
        this.keys = keys;
    }

    /** Half reads, the rest writes of fresh values and, once a key has a known value, compare-and-sets. */
    Call next(Random rnd) {
        String key = keys.pick(rnd);
        double dice = rnd.nextDouble();
        if (dice < 0.5) {
            return new Call.Read(key);
        }
        String last = keys.lastValue(key);
        if (dice < 0.8 || last == null) {
            return new Call.Write(key, "v" + values.incrementAndGet());
        }
        return new Call.Cas(key, last, "v" + values.incrementAndGet());
    }

    /** Remembers what an acknowledged operation left in its register, so later CASes can succeed. */
    void succeeded(Call call, Reply reply) {
        if (reply instanceof Reply.Value v) {
            keys.observed(call.key(), v.value());
        } else if (call instanceof Call.Write w) {
            keys.observed(call.key(), w.value());
        } else if (reply instanceof Reply.CasResult c) {
            keys.observed(call.key(), c.succeeded() ? ((Call.Cas) call).value() : c.observed());
        }
    }

    /** An INFO write: enough of them retire its key (each one is concurrent with everything after it). */
    void indeterminate(Call call) {
        keys.indeterminate(call.key());
    }
}
