package io.raftkv.server;

import io.grpc.stub.StreamObserver;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.AlarmInfo;
import io.raftkv.proto.CheckStateRequest;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.DisarmAlarmResponse;
import io.raftkv.proto.MemberHash;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.Member;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.MembersResponse;
import io.raftkv.proto.PeerProgress;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.proto.Role;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.proto.TransferLeadershipResponse;
import io.raftkv.raft.ConfState;
import io.raftkv.storage.Applied;
import io.raftkv.storage.Result;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.TreeSet;

/**
 * Cluster introspection, leadership transfer and membership changes. Answers from the raft thread's
 * latest published status; changes go through the raft thread like any proposal.
 */
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
        s.progress().forEach((id, p) -> b.addProgress(PeerProgress.newBuilder().setId(id).setMatchIndex(p.match())
                .setNextIndex(p.next()).setState(p.state().name().toLowerCase(java.util.Locale.ROOT))
                .setRecentActive(p.recentActive()).setLearner(p.learner())));
        node.store().failure().ifPresent(t -> b.setStorageFailure(t.toString()));
        if (node.halted() != null && node.store().failure().isEmpty()) {
            b.setStorageFailure(node.halted().getMessage());
        }
        b.setRemoved(node.removed() != null);
        io.raftkv.server.transport.Usage u = node.usage();
        b.setVersion(Version.current()).setQuotaBytes(config.space().quotaBytes()).setDbBytes(node.store().sizeBytes());
        if (u.known()) {
            b.setStateBytes(u.stateBytes()).setDiskFreeBytes(u.diskFreeBytes());
        }
        node.store().stateMachine().alarms().forEach(a -> b.addAlarms(AlarmInfo.newBuilder().setMember(a.member())
                .setType(a.type().name().toLowerCase(java.util.Locale.ROOT)).setDetail(a.detail())));
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void checkState(CheckStateRequest req, StreamObserver<CheckStateResponse> out) {
        if (node.status().role() != io.raftkv.raft.StateRole.LEADER) {
            long leader = node.status().leaderId();
            out.onError(GrpcErrors.toStatus(NodeException.notLeader(leader, node.clientAddress(leader))));
            return;
        }
        node.checker().check().whenComplete((v, t) -> {
            if (t != null) {
                out.onError(GrpcErrors.toStatus(t));
                return;
            }
            CheckStateResponse.Builder b = CheckStateResponse.newBuilder().setIndex(v.index()).addAllCorrupt(v.corrupt());
            java.util.TreeSet<Long> ids = new java.util.TreeSet<>(v.hashes().keySet());
            ids.addAll(v.errors().keySet());
            for (long id : ids) {
                MemberHash.Builder h = MemberHash.newBuilder().setId(id);
                byte[] hash = v.hashes().get(id);
                if (hash != null) {
                    h.setHash(com.google.protobuf.ByteString.copyFrom(hash));
                } else {
                    h.setError(v.errors().getOrDefault(id, "unknown"));
                }
                b.addHashes(h);
            }
            out.onNext(b.build());
            out.onCompleted();
        });
    }

    @Override
    public void disarmAlarm(DisarmAlarmRequest req, StreamObserver<DisarmAlarmResponse> out) {
        io.raftkv.storage.Alarm.Type type;
        try {
            type = io.raftkv.storage.Alarm.Type.valueOf(req.getType().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            out.onError(GrpcErrors.toStatus(NodeException.of(io.raftkv.proto.ErrorDetail.Code.INVALID, "unknown alarm type '"
                    + req.getType() + "' (expected one of: corrupt, nospace)")));
            return;
        }
        node.propose(io.raftkv.storage.Request.of(new io.raftkv.storage.Command.SetAlarm(req.getMember(), type, false, "")),
                null).whenComplete((a, t) -> {
                    if (t != null) {
                        out.onError(GrpcErrors.toStatus(t));
                    } else {
                        out.onNext(DisarmAlarmResponse.newBuilder().setIndex(a.index()).build());
                        out.onCompleted();
                    }
                });
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

    @Override
    public void addMember(AddMemberRequest req, StreamObserver<MemberChangeResponse> out) {
        MembershipRules.Kind kind = req.getLearner() ? MembershipRules.Kind.ADD_LEARNER : MembershipRules.Kind.ADD_VOTER;
        answer(node.changeMembership(kind, req.getId(), req.getPeerAddress(), req.getClientAddress(), null), out);
    }

    @Override
    public void removeMember(RemoveMemberRequest req, StreamObserver<MemberChangeResponse> out) {
        answer(node.changeMembership(MembershipRules.Kind.REMOVE, req.getId(), "", "", null), out);
    }

    @Override
    public void promoteMember(PromoteMemberRequest req, StreamObserver<MemberChangeResponse> out) {
        answer(node.changeMembership(MembershipRules.Kind.PROMOTE, req.getId(), "", "", null), out);
    }

    private void answer(CompletableFuture<Applied> change, StreamObserver<MemberChangeResponse> out) {
        change.whenComplete((a, t) -> {
            if (t != null) {
                out.onError(GrpcErrors.toStatus(t));
                return;
            }
            ConfState cs = a.result() instanceof Result.ConfChanged c ? c.confState() : node.status().conf();
            out.onNext(MemberChangeResponse.newBuilder().addAllMembers(members(cs)).setClusterId(config.clusterId())
                    .setIndex(a.index()).setLeaderId(node.status().leaderId()).build());
            out.onCompleted();
        });
    }

    private List<Member> members(ConfState cs) {
        TreeSet<Long> ids = new TreeSet<>(cs.allMembers());
        MemberDirectory.View dir = node.members();
        return ids.stream().map(id -> Member.newBuilder().setId(id)
                .setPeerAddress(dir.peerAddress(id))
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
