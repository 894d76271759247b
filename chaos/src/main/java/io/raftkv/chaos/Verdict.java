package io.raftkv.chaos;

/** A checker's answer. UNKNOWN is honest: the search ran out of budget, or there was nothing to decide. */
enum Verdict {
    VALID,
    INVALID,
    UNKNOWN;

    /** The worst of two verdicts: any INVALID wins, then UNKNOWN. */
    Verdict and(Verdict other) {
        if (this == INVALID || other == INVALID) {
            return INVALID;
        }
        return this == UNKNOWN || other == UNKNOWN ? UNKNOWN : VALID;
    }

    /** JSON form: true, false or "unknown". */
    String json() {
        return switch (this) {
            case VALID -> "true";
            case INVALID -> "false";
            case UNKNOWN -> "\"unknown\"";
        };
    }
}
