package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.AlarmInfo;
import io.raftkv.proto.CheckStateRequest;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.DisarmAlarmResponse;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.Member;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.MembersResponse;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import io.raftkv.proto.Role;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.proto.TransferLeadershipResponse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A stand-in for a raftkv node that speaks the client API: the leader serves from a map shared by the
 * fake cluster, the others answer NOT_LEADER with the leader's address in the raftkv-error-bin trailer,
 * exactly the redirect rule the CLI must follow. Failures can be scripted per node.
 */
final class FakeNode {
    /** Shared state of one fake cluster. */
    static final class Shared {
        final NavigableMap<ByteString, KeyValue> data = new ConcurrentSkipListMap<>(ByteString.unsignedLexicographicalComparator());
        final AtomicLong index = new AtomicLong();
        volatile long leaderId;
        volatile List<FakeNode> nodes = List.of();
        /** Scan page size, small so paging is exercised. */
        volatile int page = 2;
        /** The cluster's alarms, as status reports them; disarmAlarm removes from here. */
        final List<AlarmInfo> alarms = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Like real followers, which learn a peer's client address only from that peer's traffic: they know the leader's. */
        volatile boolean followersKnowOnlyTheLeader;
        /** What the leader answers a corruption check. */
        volatile CheckStateResponse check = CheckStateResponse.getDefaultInstance();

        FakeNode leader() {
            for (FakeNode n : nodes) {
                if (n.id == leaderId) {
                    return n;
                }
            }
            return null;
        }
    }

    final long id;
    final String address;
    final Shared shared;
    final AtomicInteger calls = new AtomicInteger();
    /** Failures to answer the next calls with, in order, before behaving normally. */
    final Deque<Supplier<StatusRuntimeException>> script = new ArrayDeque<>();

    FakeNode(long id, String address, Shared shared) {
        this.id = id;
        this.address = address;
        this.shared = shared;
    }

    static StatusRuntimeException error(Status status, ErrorDetail detail) {
        Metadata trailers = new Metadata();
        trailers.put(io.raftkv.client.CallFailure.DETAIL_KEY, detail);
        return status.asRuntimeException(trailers);
    }

    static Supplier<StatusRuntimeException> failWith(Status status, ErrorDetail.Code code) {
        return () -> error(status, ErrorDetail.newBuilder().setCode(code).build());
    }

    /** Null when this node may serve; the error to send otherwise (scripted failure or redirect). */
    private synchronized StatusRuntimeException refusal(boolean needsLeader) {
        calls.incrementAndGet();
        Supplier<StatusRuntimeException> scripted = script.poll();
        if (scripted != null) {
            return scripted.get();
        }
        if (needsLeader && shared.leaderId != id) {
            FakeNode leader = shared.leader();
            ErrorDetail.Builder d = ErrorDetail.newBuilder().setCode(ErrorDetail.Code.NOT_LEADER);
            if (leader != null) {
                d.setLeaderId(leader.id).setLeaderAddress(leader.address);
            }
            return error(Status.FAILED_PRECONDITION.withDescription("node " + id + " is not the leader"), d.build());
        }
        return null;
    }

    private ResponseHeader header(long index) {
        return ResponseHeader.newBuilder().setMemberId(id).setTerm(1).setIndex(index).build();
    }

    KVGrpc.KVImplBase kv() {
        return new KVGrpc.KVImplBase() {
            @Override
            public void put(PutRequest req, StreamObserver<PutResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                long idx = shared.index.incrementAndGet();
                KeyValue old = shared.data.get(req.getKey());
                long version = old == null ? 1 : old.getVersion() + 1;
                shared.data.put(req.getKey(), KeyValue.newBuilder().setKey(req.getKey()).setValue(req.getValue())
                        .setVersion(version).setModIndex(idx).build());
                out.onNext(PutResponse.newBuilder().setHeader(header(idx)).setVersion(version).setModIndex(idx).build());
                out.onCompleted();
            }

            @Override
            public void get(GetRequest req, StreamObserver<GetResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                KeyValue kv = shared.data.get(req.getKey());
                GetResponse.Builder b = GetResponse.newBuilder().setHeader(header(shared.index.get())).setFound(kv != null);
                if (kv != null) {
                    b.setKv(kv);
                }
                out.onNext(b.build());
                out.onCompleted();
            }

            @Override
            public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                long idx = shared.index.incrementAndGet();
                boolean deleted = shared.data.remove(req.getKey()) != null;
                out.onNext(DeleteResponse.newBuilder().setHeader(header(idx)).setDeleted(deleted).build());
                out.onCompleted();
            }

            @Override
            public void compareAndSet(CompareAndSetRequest req, StreamObserver<CompareAndSetResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                long idx = shared.index.incrementAndGet();
                KeyValue cur = shared.data.get(req.getKey());
                boolean match = req.hasExpectedValue()
                        ? cur != null && cur.getValue().equals(req.getExpectedValue())
                        : (cur == null ? 0 : cur.getVersion()) == req.getExpectedVersion();
                CompareAndSetResponse.Builder b = CompareAndSetResponse.newBuilder().setHeader(header(idx)).setSucceeded(match);
                if (match) {
                    cur = KeyValue.newBuilder().setKey(req.getKey()).setValue(req.getNewValue())
                            .setVersion(cur == null ? 1 : cur.getVersion() + 1).setModIndex(idx).build();
                    shared.data.put(req.getKey(), cur);
                }
                if (cur != null) {
                    b.setFound(true).setKv(cur);
                }
                out.onNext(b.build());
                out.onCompleted();
            }

            @Override
            public void scan(ScanRequest req, StreamObserver<ScanResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                int limit = req.getLimit() == 0 ? shared.page : Math.min(req.getLimit(), shared.page);
                // The page token is the last key returned: continue strictly after it.
                NavigableMap<ByteString, KeyValue> view = req.getPageToken().isEmpty()
                        ? shared.data : shared.data.tailMap(req.getPageToken(), false);
                ScanResponse.Builder b = ScanResponse.newBuilder().setHeader(header(shared.index.get()));
                ByteString lastKey = null;
                boolean more = false;
                for (Map.Entry<ByteString, KeyValue> e : view.entrySet()) {
                    if (!e.getKey().startsWith(req.getPrefix())) {
                        continue;
                    }
                    if (b.getKvsCount() == limit) {
                        more = true;
                        break;
                    }
                    b.addKvs(e.getValue());
                    lastKey = e.getKey();
                }
                if (more) {
                    b.setNextPageToken(lastKey);
                }
                out.onNext(b.build());
                out.onCompleted();
            }
        };
    }

    ClusterGrpc.ClusterImplBase cluster() {
        return new ClusterGrpc.ClusterImplBase() {
            @Override
            public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
                StatusRuntimeException no = refusal(false);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                FakeNode leader = shared.leader();
                StatusResponse.Builder b = StatusResponse.newBuilder().setId(id).setRole(shared.leaderId == id ? Role.LEADER : Role.FOLLOWER)
                        .setTerm(1).setLeaderId(shared.leaderId).setLeaderAddress(leader == null ? "" : leader.address)
                        .setCommitIndex(shared.index.get()).setAppliedIndex(shared.index.get());
                for (FakeNode n : shared.nodes) {
                    boolean known = !shared.followersKnowOnlyTheLeader || shared.leaderId == id || n.id == id || n.id == shared.leaderId;
                    b.addMembers(Member.newBuilder().setId(n.id).setClientAddress(known ? n.address : "").setPeerAddress("peer-" + n.id));
                }
                b.addAllAlarms(shared.alarms);
                out.onNext(b.build());
                out.onCompleted();
            }

            @Override
            public void checkState(CheckStateRequest req, StreamObserver<CheckStateResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                out.onNext(shared.check);
                out.onCompleted();
            }

            /** Like the server: an unknown type is INVALID; clearing an alarm that is not raised is a harmless write. */
            @Override
            public void disarmAlarm(DisarmAlarmRequest req, StreamObserver<DisarmAlarmResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no == null && !List.of("corrupt", "nospace").contains(req.getType())) {
                    no = error(Status.INVALID_ARGUMENT.withDescription("unknown alarm type '" + req.getType() + "'"),
                            ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).build());
                }
                if (no != null) {
                    out.onError(no);
                    return;
                }
                shared.alarms.removeIf(a -> a.getMember() == req.getMember() && a.getType().equals(req.getType()));
                out.onNext(DisarmAlarmResponse.newBuilder().setIndex(shared.index.incrementAndGet()).build());
                out.onCompleted();
            }

            @Override
            public void members(MembersRequest req, StreamObserver<MembersResponse> out) {
                StatusRuntimeException no = refusal(false);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                MembersResponse.Builder b = MembersResponse.newBuilder().setLeaderId(shared.leaderId);
                for (FakeNode n : shared.nodes) {
                    b.addMembers(Member.newBuilder().setId(n.id).setClientAddress(n.address).setPeerAddress("peer-" + n.id));
                }
                out.onNext(b.build());
                out.onCompleted();
            }

            @Override
            public void transferLeadership(TransferLeadershipRequest req, StreamObserver<TransferLeadershipResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                shared.leaderId = req.getTargetId();
                out.onNext(TransferLeadershipResponse.newBuilder().setLeaderId(req.getTargetId()).build());
                out.onCompleted();
            }

            /** Members 1..n plus the added one (peer addresses peer-ID); the cluster id is 0xabc. */
            @Override
            public void addMember(AddMemberRequest req, StreamObserver<MemberChangeResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                MemberChangeResponse.Builder b = MemberChangeResponse.newBuilder().setClusterId(0xabc)
                        .setIndex(shared.index.incrementAndGet()).setLeaderId(id);
                for (FakeNode n : shared.nodes) {
                    b.addMembers(Member.newBuilder().setId(n.id).setPeerAddress("peer-" + n.id));
                }
                b.addMembers(Member.newBuilder().setId(req.getId()).setPeerAddress(req.getPeerAddress()).setLearner(req.getLearner()));
                out.onNext(b.build());
                out.onCompleted();
            }

            @Override
            public void promoteMember(PromoteMemberRequest req, StreamObserver<MemberChangeResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                out.onNext(MemberChangeResponse.newBuilder().setIndex(shared.index.incrementAndGet()).build());
                out.onCompleted();
            }

            @Override
            public void removeMember(RemoveMemberRequest req, StreamObserver<MemberChangeResponse> out) {
                StatusRuntimeException no = refusal(true);
                if (no != null) {
                    out.onError(no);
                    return;
                }
                out.onNext(MemberChangeResponse.newBuilder().setIndex(shared.index.incrementAndGet()).build());
                out.onCompleted();
            }
        };
    }
}
