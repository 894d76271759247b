package io.raftkv.raft;

/**
 * The state a node must persist before it sends any message that depends on it (Raft figure 2:
 * currentTerm and votedFor; commit is persisted so a restart does not forget what it may apply).
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public HardState {
        if (term < 0 || vote < 0 || commit < 0) {
            throw new IllegalArgumentException("negative field in " + term + "/" + vote + "/" + commit);
        }
    }

    public boolean isEmpty() {
        return equals(EMPTY);
    }
}
