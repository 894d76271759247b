package io.raftkv.storage;

import java.util.ArrayList;
import java.util.List;

/** Results as stored in the session table (the answer to a retried request must survive restarts and snapshots). */
final class ResultCodec {
    private ResultCodec() {
    }

    private static final int WRITTEN = 1, DELETED = 2, RANGE = 3, TXN = 4, SESSION_OPENED = 5, SESSIONS_EXPIRED = 6,
            DONE = 7, NO_OP = 8, CONF_CHANGED = 9, REJECTED = 10;
    private static final Result.Reason[] REASONS = Result.Reason.values();
    private static final int MAX_ITEMS = 1 << 24;

    static void write(Wire.Writer w, Result r) {
        if (r instanceof Result.Written x) {
            w.u8(WRITTEN).varLong(x.modIndex()).varLong(x.version());
        } else if (r instanceof Result.Deleted x) {
            w.u8(DELETED).varLong(x.count());
        } else if (r instanceof Result.RangeResult x) {
            w.u8(RANGE).varLong(x.kvs().size());
            for (KeyValue kv : x.kvs()) {
                w.bytes(kv.key()).bytes(kv.value()).varLong(kv.version()).varLong(kv.createIndex()).varLong(kv.modIndex());
            }
            w.bool(x.more());
        } else if (r instanceof Result.TxnResult x) {
            w.u8(TXN).bool(x.succeeded()).varLong(x.results().size());
            for (Result sub : x.results()) {
                write(w, sub);
            }
        } else if (r instanceof Result.SessionOpened x) {
            w.u8(SESSION_OPENED).varLong(x.sessionId());
        } else if (r instanceof Result.SessionsExpired x) {
            w.u8(SESSIONS_EXPIRED).varLong(x.sessionIds().size());
            for (long id : x.sessionIds()) {
                w.varLong(id);
            }
        } else if (r instanceof Result.Done) {
            w.u8(DONE);
        } else if (r instanceof Result.NoOp) {
            w.u8(NO_OP);
        } else if (r instanceof Result.ConfChanged x) {
            StateCodec.writeConf(w.u8(CONF_CHANGED), x.confState());
        } else if (r instanceof Result.Rejected x) {
            w.u8(REJECTED).u8(x.reason().ordinal()).bytes(x.detail().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else {
            throw new IllegalArgumentException("unknown result " + r);
        }
    }

    static Result read(Wire.Reader r) throws Wire.MalformedException {
        int tag = r.u8();
        switch (tag) {
            case WRITTEN:
                return new Result.Written(r.varLong(), r.varLong());
            case DELETED:
                return new Result.Deleted(r.varLong());
            case RANGE: {
                int n = r.count(MAX_ITEMS);
                List<KeyValue> kvs = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    kvs.add(new KeyValue(Bytes.wrap(r.bytes(Integer.MAX_VALUE)), Bytes.wrap(r.bytes(Integer.MAX_VALUE)),
                            r.varLong(), r.varLong(), r.varLong()));
                }
                return new Result.RangeResult(kvs, r.bool());
            }
            case TXN: {
                boolean ok = r.bool();
                int n = r.count(MAX_ITEMS);
                List<Result> results = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    results.add(read(r));
                }
                return new Result.TxnResult(ok, results);
            }
            case SESSION_OPENED:
                return new Result.SessionOpened(r.varLong());
            case SESSIONS_EXPIRED: {
                int n = r.count(MAX_ITEMS);
                List<Long> ids = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    ids.add(r.varLong());
                }
                return new Result.SessionsExpired(ids);
            }
            case DONE:
                return new Result.Done();
            case NO_OP:
                return new Result.NoOp();
            case CONF_CHANGED:
                return new Result.ConfChanged(StateCodec.readConf(r));
            case REJECTED: {
                int reason = r.u8();
                if (reason >= REASONS.length) {
                    throw new Wire.MalformedException("unknown rejection reason " + reason);
                }
                return new Result.Rejected(REASONS[reason], new String(r.bytes(1 << 20), java.nio.charset.StandardCharsets.UTF_8));
            }
            default:
                throw new Wire.MalformedException("unknown result tag " + tag);
        }
    }
}
