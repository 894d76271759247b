package io.raftkv.client;

import com.google.protobuf.ByteString;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.DeleteOp;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.PutOp;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.RangeOp;
import io.raftkv.proto.ResponseHeader;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TxnOpResult;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Conversions between the wire messages and the client's public values. */
final class Wire {
    private Wire() {
    }

    static Header header(ResponseHeader h) {
        return new Header(h.getMemberId(), h.getTerm(), h.getIndex());
    }

    static KeyValue kv(io.raftkv.proto.KeyValue kv) {
        return new KeyValue(kv.getKey(), kv.getValue(), kv.getVersion(), kv.getModIndex(), kv.getCreateIndex());
    }

    static List<KeyValue> kvs(List<io.raftkv.proto.KeyValue> kvs) {
        List<KeyValue> out = new ArrayList<>(kvs.size());
        kvs.forEach(k -> out.add(kv(k)));
        return out;
    }

    static Consistency consistency(ReadConsistency c) {
        return c == ReadConsistency.SERIALIZABLE ? Consistency.SERIALIZABLE : Consistency.LINEARIZABLE;
    }

    static PutResult put(PutResponse r) {
        return new PutResult(r.getVersion(), r.getModIndex(), header(r.getHeader()));
    }

    static DeleteResult delete(DeleteResponse r) {
        return new DeleteResult(r.getDeleted(), header(r.getHeader()));
    }

    static GetResult get(GetResponse r) {
        return new GetResult(r.getFound() ? Optional.of(kv(r.getKv())) : Optional.empty(), header(r.getHeader()));
    }

    static CasResult cas(CompareAndSetResponse r) {
        return new CasResult(r.getSucceeded(), r.getFound() ? Optional.of(kv(r.getKv())) : Optional.empty(),
                header(r.getHeader()));
    }

    static ScanPage page(ScanResponse r) {
        return new ScanPage(kvs(r.getKvsList()), r.getNextPageToken(), header(r.getHeader()));
    }

    static CompareAndSetRequest.Builder cas(ByteString key, Expected expected, ByteString newValue) {
        CompareAndSetRequest.Builder b = CompareAndSetRequest.newBuilder().setKey(key).setNewValue(newValue);
        if (expected instanceof Expected.Version v) {
            b.setExpectedVersion(v.version());
        } else if (expected instanceof Expected.Value v) {
            b.setExpectedValue(v.value());
        } else {
            throw new IllegalArgumentException("unknown expectation " + expected);
        }
        return b;
    }

    static ScanRequest scan(Scan scan, ByteString pageToken, int defaultPageSize, ReadConsistency defaultConsistency) {
        return ScanRequest.newBuilder()
                .setStartKey(scan.startKey())
                .setEndKey(scan.endKey())
                .setPrefix(scan.prefix())
                .setLimit(scan.pageSize() == 0 ? defaultPageSize : scan.pageSize())
                .setPageToken(pageToken)
                .setConsistency(consistency(scan.consistency() == null ? defaultConsistency : scan.consistency()))
                .build();
    }

    static TxnRequest.Builder txn(List<Compare> compares, List<TxnOp> success, List<TxnOp> failure) {
        TxnRequest.Builder b = TxnRequest.newBuilder();
        for (Compare c : compares) {
            b.addCompares(io.raftkv.proto.Compare.newBuilder()
                    .setKey(c.key())
                    .setTarget(io.raftkv.proto.Compare.Target.valueOf(c.target().name()))
                    .setOp(io.raftkv.proto.Compare.Op.valueOf(c.op().name()))
                    .setNumber(c.number())
                    .setValue(c.value()));
        }
        success.forEach(op -> b.addSuccess(op(op)));
        failure.forEach(op -> b.addFailure(op(op)));
        return b;
    }

    private static io.raftkv.proto.TxnOp op(TxnOp op) {
        io.raftkv.proto.TxnOp.Builder b = io.raftkv.proto.TxnOp.newBuilder();
        if (op instanceof TxnOp.Put p) {
            b.setPut(PutOp.newBuilder().setKey(p.key()).setValue(p.value()));
        } else if (op instanceof TxnOp.Delete d) {
            b.setDelete(DeleteOp.newBuilder().setKey(d.key()).setEndKey(d.endKey()));
        } else if (op instanceof TxnOp.Range r) {
            b.setRange(RangeOp.newBuilder().setStartKey(r.startKey()).setEndKey(r.endKey()).setLimit(r.limit()));
        } else {
            throw new IllegalArgumentException("unknown transaction operation " + op);
        }
        return b.build();
    }

    static TxnResult txn(TxnResponse r) {
        List<io.raftkv.client.TxnOpResult> results = new ArrayList<>(r.getResultsCount());
        for (TxnOpResult res : r.getResultsList()) {
            switch (res.getResultCase()) {
                case PUT:
                    results.add(put(res.getPut()));
                    break;
                case DELETE:
                    results.add(delete(res.getDelete()));
                    break;
                case RANGE:
                    results.add(new RangeResult(kvs(res.getRange().getKvsList()), !res.getRange().getNextPageToken().isEmpty()));
                    break;
                default:
                    // The transaction committed, but this client cannot say what it did.
                    throw new ServerErrorException("transaction result of unknown kind " + res.getResultCase(), null,
                            RaftKvException.Outcome.UNKNOWN);
            }
        }
        return new TxnResult(r.getSucceeded(), results, header(r.getHeader()));
    }

    static MembershipChange membershipChange(MemberChangeResponse r) {
        List<ClusterStatus.Member> members = new ArrayList<>();
        r.getMembersList().forEach(m -> members.add(new ClusterStatus.Member(m.getId(), m.getPeerAddress(),
                m.getClientAddress(), m.getLearner())));
        return new MembershipChange(members, r.getClusterId(), r.getIndex(), r.getLeaderId());
    }

    static StateCheck stateCheck(CheckStateResponse r) {
        List<StateCheck.MemberHash> members = new ArrayList<>();
        r.getHashesList().forEach(h -> members.add(new StateCheck.MemberHash(h.getId(), h.getHash(), h.getError())));
        members.sort((a, b) -> Long.compare(a.id(), b.id()));
        return new StateCheck(r.getIndex(), members, r.getCorruptList().stream().sorted().toList());
    }

    static ClusterStatus status(StatusResponse s) {
        List<ClusterStatus.Member> members = new ArrayList<>();
        s.getMembersList().forEach(m -> members.add(new ClusterStatus.Member(m.getId(), m.getPeerAddress(),
                m.getClientAddress(), m.getLearner())));
        ClusterStatus.Role role;
        switch (s.getRole()) {
            case LEADER:
                role = ClusterStatus.Role.LEADER;
                break;
            case CANDIDATE:
                role = ClusterStatus.Role.CANDIDATE;
                break;
            case PRE_CANDIDATE:
                role = ClusterStatus.Role.PRE_CANDIDATE;
                break;
            default:
                role = ClusterStatus.Role.FOLLOWER;
                break;
        }
        List<ClusterStatus.Alarm> alarms = new ArrayList<>();
        s.getAlarmsList().forEach(a -> alarms.add(new ClusterStatus.Alarm(a.getMember(), a.getType(), a.getDetail())));
        return new ClusterStatus(s.getId(), role, s.getTerm(), s.getLeaderId(), s.getLeaderAddress(), s.getCommitIndex(),
                s.getAppliedIndex(), s.getLastIndex(), members, s.getStorageFailure(), s.getClusterId(), s.getRemoved(),
                alarms, s.getVersion(), new ClusterStatus.Space(s.getStateBytes(), s.getQuotaBytes(), s.getDbBytes(),
                        s.getDiskFreeBytes()));
    }
}
