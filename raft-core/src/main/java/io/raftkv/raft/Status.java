package io.raftkv.raft;

import java.util.SortedMap;

/**
 * A point-in-time view of a node for operators and tests. {@code progress} is empty unless the node leads.
 */
public record Status(
        long id,
        HardState hardState,
        SoftState softState,
        long applied,
        long lastIndex,
        ConfState config,
        long leadTransferee,
        SortedMap<Long, PeerProgress> progress) {

    /** The leader's view of one follower (etcd's Progress, read-only). */
    public record PeerProgress(long match, long next, ProgressState state, boolean recentActive,
                               boolean learner, int inflight) {
    }

    public enum ProgressState { PROBE, REPLICATE, SNAPSHOT }
}
