package io.raftkv.chaos;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.proto.StatusRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Membership changes as an operator makes them, against whichever node leads now: retried while the
 * cluster has no leader, the leader moved, or a learner is still catching up (all answered UNAVAILABLE
 * or FAILED_PRECONDITION), until {@code timeout}. A retry after an answer got lost may find the change
 * already made ("already a member"): that counts as done. Anything else invalid is a harness error.
 */
final class MemberAdmin {
    private final Cluster cluster;
    private final Map<Integer, ManagedChannel> channels;
    private final Duration timeout;

    MemberAdmin(Cluster cluster, Map<Integer, ManagedChannel> channels, Duration timeout) {
        this.cluster = cluster;
        this.channels = channels;
        this.timeout = timeout;
    }

    void remove(long id) {
        retry("remove member " + id, "not a member",
                s -> s.removeMember(RemoveMemberRequest.newBuilder().setId(id).build()));
    }

    void addLearner(long id, String peerAddress) {
        retry("add learner " + id, "already a member", s -> s.addMember(AddMemberRequest.newBuilder().setId(id)
                .setPeerAddress(peerAddress).setLearner(true).build()));
    }

    void promote(long id) {
        retry("promote learner " + id, "already a voter",
                s -> s.promoteMember(PromoteMemberRequest.newBuilder().setId(id).build()));
    }

    long clusterId() {
        return retry("read the cluster id", null, s -> s.status(StatusRequest.getDefaultInstance())).getClusterId();
    }

    private <T> T retry(String what, String doneIfRetried, Function<ClusterGrpc.ClusterBlockingStub, T> call) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no leader found";
        for (int attempt = 0; System.nanoTime() - end < 0; attempt++) {
            Optional<Integer> leader = cluster.leader();
            if (leader.isPresent()) {
                try {
                    return call.apply(ClusterGrpc.newBlockingStub(channels.get(leader.get()))
                            .withDeadlineAfter(5, TimeUnit.SECONDS));
                } catch (StatusRuntimeException e) {
                    String d = String.valueOf(e.getStatus().getDescription());
                    if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                        if (attempt > 0 && doneIfRetried != null && d.contains(doneIfRetried)) {
                            return null;
                        }
                        throw new IllegalStateException(what + " refused: " + d);
                    }
                    last = e.getStatus().getCode() + ": " + d;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new IllegalStateException("could not " + what + " within " + timeout + " (last: " + last + ")");
    }
}
