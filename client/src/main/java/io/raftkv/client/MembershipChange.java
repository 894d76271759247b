package io.raftkv.client;

import java.util.List;

/**
 * The outcome of a membership change: applied on the leader that answered.
 *
 * @param members   the configuration after the change
 * @param clusterId the cluster's id (what a joining node is started with: {@code raftkv server --join})
 * @param index     the log index of the change
 * @param leaderId  the leader that made it
 */
public record MembershipChange(List<ClusterStatus.Member> members, long clusterId, long index, long leaderId) {
    public MembershipChange {
        members = List.copyOf(members);
    }
}
