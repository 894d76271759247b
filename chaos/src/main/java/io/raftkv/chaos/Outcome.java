package io.raftkv.chaos;

/**
 * How an operation ended, in Jepsen's terms. The difference between FAIL and INFO is the whole point of
 * the harness: a FAIL promises the operation never took effect, an INFO promises nothing.
 */
enum Outcome {
    /** Completed; the reply is what the system said. */
    OK,
    /** Definitely did not take effect (refused before it could be applied, or a read, which has no effect). */
    FAIL,
    /** Unknown: may take effect at any time after its invocation, or never. */
    INFO;

    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
