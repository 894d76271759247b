package io.raftkv.raft;

import java.util.EnumSet;
import java.util.random.RandomGenerator;

/** Test-tree bridge: builds nodes with deliberate bugs for negative controls in other packages. */
public final class TestNodes {
    private TestNodes() {
    }

    /** The bugs a negative control can switch on; each must be caught by the simulator's checks. */
    public enum Bug {
        COMMIT_OLD_TERM_BY_COUNTING(RawNode.Knob.COMMIT_OLD_TERM_BY_COUNTING),
        VOTE_WITHOUT_LOG_CHECK(RawNode.Knob.VOTE_WITHOUT_LOG_CHECK),
        READ_WITHOUT_QUORUM_CHECK(RawNode.Knob.READ_WITHOUT_QUORUM_CHECK);

        private final RawNode.Knob knob;

        Bug(RawNode.Knob knob) {
            this.knob = knob;
        }
    }

    public static RawNode withBug(RaftConfig config, Storage storage, RandomGenerator random, Bug bug) {
        return new RawNode(config, storage, random, bug == null ? EnumSet.noneOf(RawNode.Knob.class) : EnumSet.of(bug.knob));
    }
}
