package io.raftkv.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a {@link Request} inside a log entry: a format byte, the session id and sequence
 * (unsigned varints), then a tagged command. The format byte lets a newer version add commands: a node
 * that meets a format it does not know halts ({@link IllegalStateException}) instead of skipping an
 * entry its peers apply. The size caps below belong to the format (every replica enforces the same
 * ones); the server's configurable request limits are stricter and checked before proposing.
 *
 * <p>Format 2 ({@link #FORMAT_AUTH}) adds the request's auth revision and user after the format byte; it is
 * written only for a request that carries one of them or an auth store change, so a cluster
 * that never uses auth writes format 1 only and older nodes keep applying its log. A node older than
 * format 2 halts on such an entry instead of skipping an auth change its peers apply.
 *
 * <p>An unknown tag or enumeration value inside a known format (a command, transaction op, comparison,
 * alarm type or auth op added by a newer version) halts the node the same way ({@link #newer}): every
 * replica decodes the same bytes, so a merely malformed entry is rejected alike everywhere, but a newer
 * command would be rejected on the old node only and its state would silently diverge from its peers'.
 * Halting keeps the entry in the log: the upgraded node applies it when it starts again.
 */
public final class CommandCodec {
    private CommandCodec() {
    }

    public static final int FORMAT = 1;
    public static final int FORMAT_AUTH = 2;
    public static final int MAX_KEY_BYTES = 64 * 1024;
    public static final int MAX_VALUE_BYTES = 64 * 1024 * 1024;
    public static final int MAX_TXN_ITEMS = 10_000;
    public static final int MAX_RANGE_LIMIT = 100_000;

    private static final int PUT = 1, DELETE = 2, DELETE_RANGE = 3, TXN = 4, OPEN_SESSION = 5, KEEP_ALIVE = 6,
            CLOSE_SESSION = 7, EXPIRE_SESSIONS = 8, RANGE = 9, HASH_STATE = 10, SET_ALARM = 11,
            RECORD_INCARNATION = 12, AUTH = 13;
    /** Longest alarm detail a command may carry. */
    public static final int MAX_ALARM_DETAIL_BYTES = 4096;
    private static final Alarm.Type[] ALARM_TYPES = Alarm.Type.values();
    private static final int CMP_VERSION = 1, CMP_MOD = 2, CMP_CREATE = 3, CMP_VALUE = 4;
    private static final Compare.Cmp[] CMPS = Compare.Cmp.values();

    public static byte[] encode(Request r) {
        boolean auth = r.authRevision() > 0 || !r.user().isEmpty() || r.command() instanceof Command.Auth;
        byte[] user = r.user().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int header = 1 + Wire.varLongSize(r.sessionId()) + Wire.varLongSize(r.sequence())
                + (auth ? Wire.varLongSize(r.authRevision()) + 1 + user.length : 0);
        Wire.Writer w = new Wire.Writer(header + estimate(r.command()));
        if (auth) {
            w.u8(FORMAT_AUTH).varLong(r.authRevision()).bytes(user);
        } else {
            w.u8(FORMAT);
        }
        w.varLong(r.sessionId()).varLong(r.sequence());
        writeCommand(w, r.command());
        return w.toByteArray();
    }

    /**
     * @throws MalformedCommandException if the bytes are not a valid request of a known format
     * @throws IllegalStateException if the format is newer than this node understands (upgrade it)
     */
    public static Request decode(byte[] data) {
        if (data.length == 0) {
            throw new MalformedCommandException("empty command");
        }
        if (data[0] != FORMAT && data[0] != FORMAT_AUTH) {
            throw new IllegalStateException("log entry command format " + data[0] + " is unknown to this node (knows "
                    + FORMAT + " and " + FORMAT_AUTH + "): upgrade the node before it applies entries written by newer peers");
        }
        Wire.Reader r = new Wire.Reader(data, 1, data.length);
        try {
            long authRevision = data[0] == FORMAT_AUTH ? r.varLong() : 0;
            String user = data[0] == FORMAT_AUTH
                    ? new String(r.bytes(AuthState.MAX_NAME_BYTES), java.nio.charset.StandardCharsets.UTF_8) : "";
            long session = r.varLong();
            long seq = r.varLong();
            Command c = readCommand(r);
            r.expectEnd();
            if (authRevision < 0) {
                throw new Wire.MalformedException("negative auth revision");
            }
            return new Request(session, seq, c, authRevision, user);
        } catch (Wire.MalformedException e) {
            throw new MalformedCommandException("malformed command: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new MalformedCommandException("invalid command: " + e.getMessage());
        }
    }

    /** Exact for a put (the common, large case: its encoding is then never copied), a guess otherwise. */
    private static int estimate(Command c) {
        if (c instanceof Command.Put p) {
            return 1 + Wire.varLongSize(p.key().size()) + p.key().size() + Wire.varLongSize(p.value().size()) + p.value().size();
        }
        return 64;
    }

    private static void writeCommand(Wire.Writer w, Command c) {
        if (c instanceof Command.Put p) {
            w.u8(PUT).bytes(p.key()).bytes(p.value());
        } else if (c instanceof Command.Delete d) {
            w.u8(DELETE).bytes(d.key());
        } else if (c instanceof Command.DeleteRange d) {
            writeRange(w.u8(DELETE_RANGE), d.range());
        } else if (c instanceof Command.Txn t) {
            w.u8(TXN).varLong(t.compares().size());
            for (Compare cmp : t.compares()) {
                writeCompare(w, cmp);
            }
            writeOps(w, t.success());
            writeOps(w, t.failure());
        } else if (c instanceof Command.OpenSession o) {
            w.u8(OPEN_SESSION).varLong(o.ttlMillis()).i64(o.leaderTimeMillis());
        } else if (c instanceof Command.KeepAlive k) {
            w.u8(KEEP_ALIVE).varLong(k.sessionId()).i64(k.leaderTimeMillis());
        } else if (c instanceof Command.CloseSession cs) {
            w.u8(CLOSE_SESSION).varLong(cs.sessionId());
        } else if (c instanceof Command.ExpireSessions e) {
            w.u8(EXPIRE_SESSIONS).i64(e.leaderTimeMillis());
        } else if (c instanceof Command.HashState) {
            w.u8(HASH_STATE);
        } else if (c instanceof Command.RecordIncarnation r) {
            w.u8(RECORD_INCARNATION).varLong(r.member()).i64(r.incarnation());
        } else if (c instanceof Command.SetAlarm a) {
            byte[] detail = a.detail().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            w.u8(SET_ALARM).varLong(a.member()).u8(a.type().ordinal()).bool(a.active())
                    .bytes(java.util.Arrays.copyOf(detail, Math.min(detail.length, MAX_ALARM_DETAIL_BYTES)));
        } else if (c instanceof Command.Auth a) {
            AuthCodec.writeOp(w.u8(AUTH), a.op());
        } else {
            throw new IllegalArgumentException("unknown command " + c);
        }
    }

    /**
     * The error for a value this version does not know inside a known format: a newer member wrote the entry.
     * An {@link IllegalStateException}, not a malformed command, so the apply stage halts instead of rejecting.
     */
    static IllegalStateException newer(String what) {
        return new IllegalStateException("log entry uses " + what + ", which this node's version does not know: a newer "
                + "member wrote it; upgrade this node (skipping the entry would make its state diverge from its peers')");
    }

    private static Command readCommand(Wire.Reader r) throws Wire.MalformedException {
        int tag = r.u8();
        return switch (tag) {
            case PUT -> new Command.Put(key(r), value(r));
            case DELETE -> new Command.Delete(key(r));
            case DELETE_RANGE -> new Command.DeleteRange(readRange(r));
            case TXN -> {
                int n = r.count(MAX_TXN_ITEMS);
                List<Compare> compares = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    compares.add(readCompare(r));
                }
                yield new Command.Txn(compares, readOps(r), readOps(r));
            }
            case OPEN_SESSION -> new Command.OpenSession(r.varLong(), r.i64());
            case KEEP_ALIVE -> new Command.KeepAlive(r.varLong(), r.i64());
            case CLOSE_SESSION -> new Command.CloseSession(r.varLong());
            case EXPIRE_SESSIONS -> new Command.ExpireSessions(r.i64());
            case HASH_STATE -> new Command.HashState();
            case SET_ALARM -> readAlarm(r);
            case RECORD_INCARNATION -> new Command.RecordIncarnation(r.varLong(), r.i64());
            case AUTH -> new Command.Auth(AuthCodec.readOp(r));
            default -> throw newer("command tag " + tag);
        };
    }

    private static Command.SetAlarm readAlarm(Wire.Reader r) throws Wire.MalformedException {
        long member = r.varLong();
        int type = r.u8();
        if (type >= ALARM_TYPES.length) {
            throw newer("alarm type " + type);
        }
        boolean active = r.bool();
        String detail = new String(r.bytes(MAX_ALARM_DETAIL_BYTES), java.nio.charset.StandardCharsets.UTF_8);
        return new Command.SetAlarm(member, ALARM_TYPES[type], active, detail);
    }

    private static void writeOps(Wire.Writer w, List<Command.Op> ops) {
        w.varLong(ops.size());
        for (Command.Op op : ops) {
            if (op instanceof Command.Put p) {
                w.u8(PUT).bytes(p.key()).bytes(p.value());
            } else if (op instanceof Command.Delete d) {
                w.u8(DELETE).bytes(d.key());
            } else if (op instanceof Command.DeleteRange d) {
                writeRange(w.u8(DELETE_RANGE), d.range());
            } else if (op instanceof Command.Range rg) {
                writeRange(w.u8(RANGE), rg.range()).varLong(rg.limit());
            } else {
                throw new IllegalArgumentException("unknown op " + op);
            }
        }
    }

    private static List<Command.Op> readOps(Wire.Reader r) throws Wire.MalformedException {
        int n = r.count(MAX_TXN_ITEMS);
        List<Command.Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = r.u8();
            ops.add(switch (tag) {
                case PUT -> new Command.Put(key(r), value(r));
                case DELETE -> new Command.Delete(key(r));
                case DELETE_RANGE -> new Command.DeleteRange(readRange(r));
                case RANGE -> new Command.Range(readRange(r), r.count(MAX_RANGE_LIMIT));
                default -> throw newer("transaction op tag " + tag);
            });
        }
        return ops;
    }

    private static void writeCompare(Wire.Writer w, Compare c) {
        w.u8(c instanceof Compare.Version ? CMP_VERSION : c instanceof Compare.ModIndex ? CMP_MOD
                : c instanceof Compare.CreateIndex ? CMP_CREATE : CMP_VALUE);
        w.bytes(c.key()).u8(c.cmp().ordinal());
        if (c instanceof Compare.Version v) {
            w.i64(v.version());
        } else if (c instanceof Compare.ModIndex m) {
            w.i64(m.modIndex());
        } else if (c instanceof Compare.CreateIndex ci) {
            w.i64(ci.createIndex());
        } else {
            w.bytes(((Compare.Value) c).value());
        }
    }

    private static Compare readCompare(Wire.Reader r) throws Wire.MalformedException {
        int kind = r.u8();
        Bytes key = key(r);
        int cmp = r.u8();
        if (cmp >= CMPS.length) {
            throw newer("comparison " + cmp);
        }
        return switch (kind) {
            case CMP_VERSION -> new Compare.Version(key, CMPS[cmp], r.i64());
            case CMP_MOD -> new Compare.ModIndex(key, CMPS[cmp], r.i64());
            case CMP_CREATE -> new Compare.CreateIndex(key, CMPS[cmp], r.i64());
            case CMP_VALUE -> new Compare.Value(key, CMPS[cmp], value(r));
            default -> throw newer("compare kind " + kind);
        };
    }

    static Wire.Writer writeRange(Wire.Writer w, KeyRange range) {
        w.bytes(range.from()).bool(range.to() != null);
        if (range.to() != null) {
            w.bytes(range.to());
        }
        return w;
    }

    static KeyRange readRange(Wire.Reader r) throws Wire.MalformedException {
        Bytes from = key(r);
        Bytes to = r.bool() ? key(r) : null;
        if (to != null && to.compareTo(from) < 0) {
            throw new Wire.MalformedException("range end before start");
        }
        return new KeyRange(from, to);
    }

    private static Bytes key(Wire.Reader r) throws Wire.MalformedException {
        return Bytes.wrap(r.bytes(MAX_KEY_BYTES + 1));
    }

    private static Bytes value(Wire.Reader r) throws Wire.MalformedException {
        return Bytes.wrap(r.bytes(MAX_VALUE_BYTES));
    }
}
