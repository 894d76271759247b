package io.raftkv.raft.sim;

/** Thrown by the checker the moment an invariant breaks; the simulator adds seed, step and trace. */
final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String invariant;

    InvariantViolation(String invariant, String detail) {
        super(detail, null, false, false);
        this.invariant = invariant;
    }
}
