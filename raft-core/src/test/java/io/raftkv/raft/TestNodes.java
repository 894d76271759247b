package io.raftkv.raft;

import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Test-tree bridge: builds nodes whose core breaks exactly one safety rule, for negative controls in
 * other packages. The broken {@link Rules} live here, never in src/main.
 */
public final class TestNodes {
    private TestNodes() {
    }

    /** The core rules a negative control can break; each must be caught by the simulator's checks. */
    public enum CoreBug {
        /** Commit an entry of an older term by counting its replicas (the bug of Raft figure 8). */
        COMMIT_OLD_TERM_BY_COUNTING(() -> new Broken() {
            @Override
            public boolean mayCommitByCounting(RaftLog log, long index, long leaderTerm) {
                return true;
            }
        }),
        /** Grant votes without checking that the candidate's log is at least as up to date (§5.4.1). */
        VOTE_WITHOUT_LOG_CHECK(() -> new Broken() {
            @Override
            public boolean candidateUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm) {
                return true;
            }
        }),
        /** Serve ReadIndex without a quorum confirming leadership (§6.4). */
        READ_WITHOUT_QUORUM_CHECK(() -> new Broken() {
            @Override
            public boolean readRoundConfirmed(ConfState config, Map<Long, Boolean> acks) {
                return true;
            }
        }),
        /** Count a heartbeat answer from an earlier read round toward a later round (§6.4). */
        READ_CONFIRMED_BY_EARLIER_ROUND(() -> new Broken() {
            @Override
            public boolean echoConfirmsRound(long echoedRound, long round) {
                return true;
            }
        }),
        /** The leader counts its own entries toward commit before they are persisted (thesis §10.2.1). */
        LEADER_COUNTS_UNPERSISTED_ENTRIES(() -> new Broken() {
            @Override
            public long leaderSelfMatch(RaftLog log) {
                return log.lastIndex();
            }
        }),
        /**
         * A new leader proposes a membership change before it knows the latest configuration: neither
         * after committing in its term nor after applying the changes inherited in its log.
         */
        CONF_CHANGE_BEFORE_CONFIG_KNOWN(() -> new Broken() {
            @Override
            public boolean mayProposeConfChange(long pendingConfIndex, long applied, boolean committedInTerm) {
                return pendingConfIndex <= applied;
            }

            @Override
            public long pendingConfIndexAtElection(RaftLog log) {
                return 0;
            }
        });

        private final Supplier<Rules> rules;

        CoreBug(Supplier<Rules> rules) {
            this.rules = rules;
        }
    }

    /** The term of {@code node}'s log at {@code index}, unstable tail included; -1 if compacted or beyond. */
    public static long logTerm(RawNode node, long index) {
        RaftLog log = node.raft.log;
        if (index > log.lastIndex()) {
            return -1;
        }
        try {
            return log.term(index);
        } catch (LogCompactedException e) {
            return -1;
        }
    }

    public static RawNode withBug(RaftConfig config, Storage storage, RandomGenerator random, CoreBug bug) {
        return bug == null ? new RawNode(config, storage, random) : new RawNode(config, storage, random, bug.rules.get());
    }

    /** Raft's rules except where a subclass overrides one. */
    private abstract static class Broken implements Rules {
        private final Rules raft = RaftRules.INSTANCE;

        @Override
        public boolean candidateUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm) {
            return raft.candidateUpToDate(log, candidateLastIndex, candidateLastTerm);
        }

        @Override
        public boolean mayCommitByCounting(RaftLog log, long index, long leaderTerm) {
            return raft.mayCommitByCounting(log, index, leaderTerm);
        }

        @Override
        public long leaderSelfMatch(RaftLog log) {
            return raft.leaderSelfMatch(log);
        }

        @Override
        public boolean mayProposeConfChange(long pendingConfIndex, long applied, boolean committedInTerm) {
            return raft.mayProposeConfChange(pendingConfIndex, applied, committedInTerm);
        }

        @Override
        public long pendingConfIndexAtElection(RaftLog log) {
            return raft.pendingConfIndexAtElection(log);
        }

        @Override
        public boolean readRoundConfirmed(ConfState config, Map<Long, Boolean> acks) {
            return raft.readRoundConfirmed(config, acks);
        }

        @Override
        public boolean echoConfirmsRound(long echoedRound, long round) {
            return raft.echoConfirmsRound(echoedRound, round);
        }
    }
}
