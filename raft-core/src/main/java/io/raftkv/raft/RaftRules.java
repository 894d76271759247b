package io.raftkv.raft;

import java.util.Map;

/** The rules as Raft states them: the only {@link Rules} production code uses. */
final class RaftRules implements Rules {
    static final Rules INSTANCE = new RaftRules();

    private RaftRules() {
    }

    @Override
    public boolean candidateUpToDate(RaftLog log, long candidateLastIndex, long candidateLastTerm) {
        return log.isUpToDate(candidateLastIndex, candidateLastTerm);
    }

    @Override
    public boolean mayCommitByCounting(RaftLog log, long index, long leaderTerm) {
        return log.termOrZero(index) == leaderTerm;
    }

    @Override
    public long leaderSelfMatch(RaftLog log) {
        return log.persistedIndex();
    }

    @Override
    public boolean mayProposeConfChange(long pendingConfIndex, long applied, boolean committedInTerm) {
        return pendingConfIndex <= applied && committedInTerm;
    }

    @Override
    public long pendingConfIndexAtElection(RaftLog log) {
        return log.lastIndex();
    }

    @Override
    public boolean readRoundConfirmed(ConfState config, Map<Long, Boolean> acks) {
        return Quorum.jointVoteResult(config, acks) == Quorum.VoteResult.WON;
    }

    @Override
    public boolean echoConfirmsRound(long echoedRound, long round) {
        return echoedRound >= round;
    }
}
