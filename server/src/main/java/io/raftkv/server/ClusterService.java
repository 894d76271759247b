package io.raftkv.server;

import io.grpc.stub.StreamObserver;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Member;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.MembersResponse;
import io.raftkv.proto.Role;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.proto.TransferLeadershipResponse;
import io.raftkv.raft.ConfState;
import java.util.List;
import java.util.TreeSet;

/** Cluster introspection and leadership transfer. Answers from the raft thread's latest published status. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final RaftNode node;
    private final ServerConfig config;

    ClusterService(RaftNode node, ServerConfig config) {
        this.node = node;
        this.config = config;
    }

    @Override
    public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        RaftNode.NodeStatus s = node.status();
        StatusResponse.Builder b = StatusResponse.newBuilder().setId(s.id()).setRole(role(s.role())).setTerm(s.term())
                .setLeaderId(s.leaderId()).setLeaderAddress(node.clientAddress(s.leaderId())).setCommitIndex(s.commit())
                .setAppliedIndex(node.store().stateMachine().appliedIndex()).setLastIndex(s.lastIndex())
                .addAllMembers(members(s.conf())).setClusterId(config.clusterId());
        node.store().failure().ifPresent(t -> b.setStorageFailure(t.toString()));
        if (node.halted() != null && node.store().failure().isEmpty()) {
            b.setStorageFailure(node.halted().getMessage());
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void members(MembersRequest req, StreamObserver<MembersResponse> out) {
        RaftNode.NodeStatus s = node.status();
        out.onNext(MembersResponse.newBuilder().addAllMembers(members(s.conf())).setLeaderId(s.leaderId()).build());
        out.onCompleted();
    }

    @Override
    public void transferLeadership(TransferLeadershipRequest req, StreamObserver<TransferLeadershipResponse> out) {
        node.transferLeadership(req.getTargetId()).whenComplete((to, t) -> {
            if (t != null) {
                out.onError(GrpcErrors.toStatus(t));
            } else {
                out.onNext(TransferLeadershipResponse.newBuilder().setLeaderId(to).build());
                out.onCompleted();
            }
        });
    }

    private List<Member> members(ConfState cs) {
        TreeSet<Long> ids = new TreeSet<>(cs.allMembers());
        return ids.stream().map(id -> Member.newBuilder().setId(id)
                .setPeerAddress(config.initialCluster().getOrDefault(id, ""))
                .setClientAddress(node.clientAddress(id)).setLearner(cs.learners().contains(id)).build()).toList();
    }

    private static Role role(io.raftkv.raft.StateRole r) {
        return switch (r) {
            case LEADER -> Role.LEADER;
            case CANDIDATE -> Role.CANDIDATE;
            case PRE_CANDIDATE -> Role.PRE_CANDIDATE;
            case FOLLOWER -> Role.FOLLOWER;
        };
    }
}
