package io.raftkv.server;

import io.raftkv.proto.Compare;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ResponseHeader;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.TxnOp;
import io.raftkv.proto.TxnOpResult;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.TxnResponse;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.KeyRange;
import io.raftkv.storage.Result;
import java.util.ArrayList;
import java.util.List;

/** Maps the client API's Txn to the state machine's command and its result back. */
final class TxnMapper {
    private TxnMapper() {
    }

    static Command.Txn toCommand(TxnRequest req, RequestValidator validate) {
        List<io.raftkv.storage.Compare> compares = new ArrayList<>();
        for (Compare c : req.getComparesList()) {
            compares.add(compare(c, validate));
        }
        return new Command.Txn(compares, ops(req.getSuccessList(), validate), ops(req.getFailureList(), validate));
    }

    private static io.raftkv.storage.Compare compare(Compare c, RequestValidator validate) {
        validate.key(c.getKey(), "compare key");
        Bytes key = KvService.bytes(c.getKey());
        io.raftkv.storage.Compare.Cmp cmp = switch (c.getOp()) {
            case EQUAL -> io.raftkv.storage.Compare.Cmp.EQUAL;
            case NOT_EQUAL -> io.raftkv.storage.Compare.Cmp.NOT_EQUAL;
            case LESS -> io.raftkv.storage.Compare.Cmp.LESS;
            case GREATER -> io.raftkv.storage.Compare.Cmp.GREATER;
            case UNRECOGNIZED -> throw NodeException.invalid("compare-op", 0, c.getOpValue(), "unknown compare op " + c.getOpValue());
        };
        return switch (c.getTarget()) {
            case VERSION -> new io.raftkv.storage.Compare.Version(key, cmp, c.getNumber());
            case MOD_INDEX -> new io.raftkv.storage.Compare.ModIndex(key, cmp, c.getNumber());
            case CREATE_INDEX -> new io.raftkv.storage.Compare.CreateIndex(key, cmp, c.getNumber());
            case VALUE -> {
                validate.value(c.getValue());
                yield new io.raftkv.storage.Compare.Value(key, cmp, KvService.bytes(c.getValue()));
            }
            case UNRECOGNIZED -> throw NodeException.invalid("compare-target", 0, c.getTargetValue(),
                    "unknown compare target " + c.getTargetValue());
        };
    }

    private static List<Command.Op> ops(List<TxnOp> ops, RequestValidator validate) {
        List<Command.Op> out = new ArrayList<>(ops.size());
        for (TxnOp op : ops) {
            switch (op.getOpCase()) {
                case PUT -> {
                    validate.key(op.getPut().getKey(), "put key");
                    validate.value(op.getPut().getValue());
                    out.add(new Command.Put(KvService.bytes(op.getPut().getKey()), KvService.bytes(op.getPut().getValue())));
                }
                case DELETE -> {
                    validate.key(op.getDelete().getKey(), "delete key");
                    Bytes key = KvService.bytes(op.getDelete().getKey());
                    if (op.getDelete().getEndKey().isEmpty()) {
                        out.add(new Command.Delete(key));
                    } else {
                        validate.bound(op.getDelete().getEndKey(), "delete end key");
                        Bytes end = KvService.bytes(op.getDelete().getEndKey());
                        if (end.compareTo(key) <= 0) {
                            throw NodeException.invalid("delete-range", 0, 0, "delete end key must sort after its start key");
                        }
                        out.add(new Command.DeleteRange(new KeyRange(key, end)));
                    }
                }
                case RANGE -> {
                    validate.bound(op.getRange().getStartKey(), "range start key");
                    validate.bound(op.getRange().getEndKey(), "range end key");
                    Bytes start = KvService.bytes(op.getRange().getStartKey());
                    Bytes end = op.getRange().getEndKey().isEmpty() ? null : KvService.bytes(op.getRange().getEndKey());
                    if (end != null && end.compareTo(start) <= 0) {
                        throw NodeException.invalid("range", 0, 0, "range end key must sort after its start key");
                    }
                    out.add(new Command.Range(new KeyRange(start, end), validate.scanLimit(op.getRange().getLimit())));
                }
                case OP_NOT_SET -> throw NodeException.invalid("txn-op", 0, 0, "transaction operation without put, delete or range");
            }
        }
        return out;
    }

    static TxnResponse toResponse(Result.TxnResult t, ResponseHeader header) {
        TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(header).setSucceeded(t.succeeded());
        for (Result r : t.results()) {
            TxnOpResult.Builder rb = TxnOpResult.newBuilder();
            if (r instanceof Result.Written w) {
                rb.setPut(PutResponse.newBuilder().setHeader(header).setVersion(w.version()).setModIndex(w.modIndex()));
            } else if (r instanceof Result.Deleted d) {
                rb.setDelete(DeleteResponse.newBuilder().setHeader(header).setDeleted(d.count() > 0));
            } else if (r instanceof Result.RangeResult rr) {
                ScanResponse.Builder sb = ScanResponse.newBuilder().setHeader(header);
                rr.kvs().forEach(kv -> sb.addKvs(Wire.kv(kv)));
                rb.setRange(sb);
            } else {
                throw new IllegalStateException("unexpected transaction result " + r);
            }
            b.addResults(rb);
        }
        return b.build();
    }
}
