package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Status;

/**
 * The checks a leader makes before it proposes a membership change. The core already refuses what
 * Raft forbids (a second change while one is pending, removing the last voter); these refuse what
 * Raft allows but an operator almost never means, after etcd's strict reconfiguration checks:
 * <ul>
 *   <li>adding a voter while too few voters are active: the new quorum would include the new, still
 *       empty node, and one more failure would stop the cluster;</li>
 *   <li>removing a voter when the remaining active voters would not form a quorum;</li>
 *   <li>promoting a learner that has not caught up: until it has, it cannot help form a quorum;</li>
 *   <li>reusing an id that was a member before: a node coming back under it with a wiped disk could
 *       vote a second time in a term it already voted in.</li>
 * </ul>
 * Pure: decided from the leader's {@link Status} and the member directory, so it is tested without a cluster.
 */
final class MembershipRules {
    /** A learner may be promoted once it holds this share of the leader's log (etcd's rule). */
    static final double PROMOTE_READY_RATIO = 0.9;

    private MembershipRules() {
    }

    /** What the Cluster API offers: one member at a time. */
    enum Kind { ADD_VOTER, ADD_LEARNER, PROMOTE, REMOVE }

    /** The change to propose, or a {@link NodeException} saying why not. */
    static ConfChange check(Kind kind, long id, String peerAddress, String clientAddress, Status leader,
                            MemberDirectory.View directory) {
        if (id <= 0) {
            throw invalid("member id must be positive, got " + id);
        }
        ConfState conf = leader.config();
        if (conf.isJoint()) {
            throw NodeException.of(ErrorDetail.Code.NOT_READY, "a joint configuration " + conf
                    + " is still being left; retry the membership change shortly");
        }
        boolean voter = conf.voters().contains(id);
        boolean learner = conf.learners().contains(id);
        return switch (kind) {
            case ADD_VOTER, ADD_LEARNER -> {
                if (voter || learner) {
                    throw invalid("node " + id + " is already a member (" + (voter ? "voter" : "learner") + ")");
                }
                if (directory.removed().contains(id)) {
                    throw invalid("node " + id + " was a member of this cluster before and was removed; ids are never "
                            + "reused (a node with that id and a wiped disk could vote twice in one term): pick a new id");
                }
                checkAddress(peerAddress, "peer address", true);
                checkAddress(clientAddress, "client address", false);
                directory.peerAddresses().forEach((other, addr) -> {
                    if (addr.equals(peerAddress) && conf.allMembers().contains(other)) {
                        throw invalid("peer address " + peerAddress + " is already used by member " + other);
                    }
                });
                byte[] ctx = MemberDirectory.context(peerAddress, clientAddress);
                if (kind == Kind.ADD_LEARNER) {
                    yield ConfChange.addLearner(id, ctx);
                }
                requireActiveQuorum(leader, conf.voters().size() + 1, 0, "adding voter " + id);
                yield ConfChange.addNode(id, ctx);
            }
            case PROMOTE -> {
                if (!learner) {
                    throw invalid("node " + id + (voter ? " is already a voter" : " is not a member") + "; only learners are promoted");
                }
                Status.PeerProgress p = leader.progress().get(id);
                long leaderMatch = leader.progress().containsKey(leader.id()) ? leader.progress().get(leader.id()).match()
                        : leader.lastIndex();
                if (p == null || !p.recentActive() || p.match() < (long) Math.floor(leaderMatch * PROMOTE_READY_RATIO)) {
                    throw NodeException.of(ErrorDetail.Code.NOT_READY, "learner " + id + " has not caught up ("
                            + (p == null ? "no progress" : "it holds " + p.match() + " of " + leaderMatch + " entries"
                            + (p.recentActive() ? "" : " and has not answered recently")) + "); promote it once it holds "
                            + (int) (PROMOTE_READY_RATIO * 100) + "% of the log");
                }
                requireActiveQuorum(leader, conf.voters().size() + 1, id, "promoting learner " + id);
                yield ConfChange.addNode(id);
            }
            case REMOVE -> {
                if (!voter && !learner) {
                    throw invalid("node " + id + " is not a member" + (directory.removed().contains(id) ? " (already removed)" : ""));
                }
                if (voter && conf.voters().size() == 1) {
                    // Never possible, so not NOT_READY (which tells clients to retry): a cluster needs a voter.
                    throw invalid("node " + id + " is the last voter: a cluster without voters can never decide "
                            + "anything again; add and promote another member first");
                }
                if (voter) {
                    requireActiveQuorum(leader, conf.voters().size() - 1, -id, "removing voter " + id);
                }
                yield ConfChange.removeNode(id);
            }
        };
    }

    /**
     * Requires enough active voters for a configuration of {@code newVoters} voters. {@code adjust}: a
     * positive id counts that (active) learner as a voter; a negative one no longer counts that voter; 0: neither.
     */
    private static void requireActiveQuorum(Status leader, int newVoters, long adjust, String what) {
        int active = 0;
        for (long v : leader.config().voters()) {
            if (v != -adjust && isActive(leader, v)) {
                active++;
            }
        }
        if (adjust > 0 && isActive(leader, adjust)) {
            active++;
        }
        int quorum = newVoters / 2 + 1;
        if (active < quorum) {
            throw NodeException.of(ErrorDetail.Code.NOT_READY, what + " refused: it needs " + quorum + " active voters of "
                    + newVoters + " and only " + active + " are active now; bring the missing members back first");
        }
    }

    private static boolean isActive(Status leader, long id) {
        if (id == leader.id()) {
            return true;
        }
        Status.PeerProgress p = leader.progress().get(id);
        return p != null && p.recentActive();
    }

    private static void checkAddress(String address, String what, boolean required) {
        if (address.isEmpty() && !required) {
            return;
        }
        ServerConfig.HostPort hp;
        try {
            hp = ServerConfig.HostPort.parse(address, what);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        if (hp.port() == 0 || hp.host().equals("0.0.0.0") || hp.host().equals("::")) {
            throw invalid(what + " must be one the members can reach, got " + address);
        }
    }

    private static NodeException invalid(String message) {
        return NodeException.of(ErrorDetail.Code.INVALID, message);
    }
}
