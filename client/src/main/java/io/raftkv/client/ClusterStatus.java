package io.raftkv.client;

import java.util.List;

/**
 * One node's view of the cluster.
 *
 * @param nodeId         the node that answered
 * @param role           its role
 * @param term           its current term
 * @param leaderId       the leader it knows, 0 if none
 * @param leaderAddress  the client address of that leader, empty if unknown
 * @param commitIndex    its commit index
 * @param appliedIndex   its applied index
 * @param lastIndex      its last log index
 * @param members        the cluster members it knows
 * @param storageFailure non-empty when its write path has stopped (disk full, I/O error, corruption)
 * @param clusterId      the cluster's id
 * @param removed        whether the node was removed from the cluster (it serves nothing any more)
 * @param alarms         the alarms raised in the cluster, as this node has applied them
 */
public record ClusterStatus(long nodeId, Role role, long term, long leaderId, String leaderAddress, long commitIndex,
                            long appliedIndex, long lastIndex, List<Member> members, String storageFailure,
                            long clusterId, boolean removed, List<Alarm> alarms, String version, Space space) {
    public ClusterStatus {
        members = List.copyOf(members);
        alarms = List.copyOf(alarms);
    }

    /** Whether the node that answered is a learner (a non-voting member) by its own member list. */
    public boolean learner() {
        return members.stream().anyMatch(m -> m.id() == nodeId && m.learner());
    }

    /**
     * The node's space (0 where an older server does not say).
     *
     * @param stateBytes    bytes of replicated state (keys, values, sessions): what the quota counts
     * @param quotaBytes    the state size past which the NOSPACE alarm refuses writes that add data
     * @param dbBytes       bytes the node's database holds in all (state and Raft log)
     * @param diskFreeBytes free bytes on the disk of its data directory
     */
    public record Space(long stateBytes, long quotaBytes, long dbBytes, long diskFreeBytes) {
    }

    /**
     * An alarm in the replicated state (the corruption check's {@code corrupt}, the space quota's
     * {@code nospace}).
     *
     * @param member the member it concerns, 0 for the whole cluster
     * @param type   {@code corrupt}, {@code nospace}, ...
     * @param detail why it was raised
     */
    public record Alarm(long member, String type, String detail) {
    }

    /** A node's Raft role. */
    public enum Role {
        /** Follows a leader (or waits for one). */
        FOLLOWER,
        /** Checking whether an election could succeed (pre-vote). */
        PRE_CANDIDATE,
        /** Campaigning in an election. */
        CANDIDATE,
        /** Leads the cluster: serves writes and linearizable reads. */
        LEADER
    }

    /**
     * A cluster member.
     *
     * @param id            its node id
     * @param peerAddress   host:port of its peer API
     * @param clientAddress host:port of its client API, empty if not yet known
     * @param learner       whether it is a non-voting learner
     */
    public record Member(long id, String peerAddress, String clientAddress, boolean learner) {
    }
}
