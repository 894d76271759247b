package io.raftkv.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * Quorum arithmetic as pure functions over voter sets. A joint configuration (thesis §4.3) needs a
 * majority of the incoming AND of the outgoing voters; an empty outgoing set agrees to everything.
 */
final class Quorum {
    enum VoteResult { PENDING, LOST, WON }

    private Quorum() {
    }

    /** The highest index acknowledged by a majority of {@code voters}; MAX_VALUE for no voters. */
    static long committedIndex(Set<Long> voters, LongUnaryOperator matchOf) {
        int n = voters.size();
        if (n == 0) {
            return Long.MAX_VALUE;
        }
        long[] matches = new long[n];
        int i = 0;
        for (long id : voters) {
            matches[i++] = matchOf.applyAsLong(id);
        }
        Arrays.sort(matches);
        return matches[n - (n / 2 + 1)];
    }

    static long jointCommittedIndex(ConfState conf, LongUnaryOperator matchOf) {
        return Math.min(committedIndex(conf.voters(), matchOf), committedIndex(conf.votersOutgoing(), matchOf));
    }

    /** Votes (true = granted) of some voters; voters without an entry have not answered. */
    static VoteResult voteResult(Set<Long> voters, Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int granted = 0;
        int missing = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                missing++;
            } else if (v) {
                granted++;
            }
        }
        int q = voters.size() / 2 + 1;
        if (granted >= q) {
            return VoteResult.WON;
        }
        return granted + missing >= q ? VoteResult.PENDING : VoteResult.LOST;
    }

    static VoteResult jointVoteResult(ConfState conf, Map<Long, Boolean> votes) {
        VoteResult in = voteResult(conf.voters(), votes);
        VoteResult out = voteResult(conf.votersOutgoing(), votes);
        if (in == out) {
            return in;
        }
        if (in == VoteResult.LOST || out == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }
}
