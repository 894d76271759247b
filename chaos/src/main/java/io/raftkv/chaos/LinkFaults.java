package io.raftkv.chaos;

/**
 * What the fault proxy does to one directed link.
 *
 * @param blocked      no traffic at all: open connections are cut and new ones closed as they arrive
 * @param delayMillis  every chunk of data is held this long before it is forwarded
 * @param jitterMillis plus a uniformly random extra of up to this much (order is kept: a TCP stream
 *                     never reorders)
 * @param loss         probability per chunk that the data is lost; since a TCP stream cannot lose a piece
 *                     and carry on, a loss cuts the connection, losing everything in flight on it
 */
record LinkFaults(boolean blocked, long delayMillis, long jitterMillis, double loss) {
    static final LinkFaults NONE = new LinkFaults(false, 0, 0, 0);
    static final LinkFaults BLOCKED = new LinkFaults(true, 0, 0, 0);

    LinkFaults {
        if (delayMillis < 0 || jitterMillis < 0 || loss < 0 || loss > 1) {
            throw new IllegalArgumentException("bad link faults: " + delayMillis + " ms delay, " + jitterMillis
                    + " ms jitter, " + loss + " loss");
        }
    }

    static LinkFaults slow(long delayMillis, long jitterMillis) {
        return new LinkFaults(false, delayMillis, jitterMillis, 0);
    }

    static LinkFaults lossy(double loss) {
        return new LinkFaults(false, 0, 0, loss);
    }

    boolean isNone() {
        return equals(NONE);
    }
}
