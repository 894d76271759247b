package io.raftkv.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Binary forms of {@link AuthOp} (inside a log entry, see {@link CommandCodec}) and of the whole
 * {@link AuthState} (one record in the state metadata). Every count and length is capped by the store's limits.
 */
final class AuthCodec {
    private AuthCodec() {
    }

    private static final int STATE_FORMAT = 1;
    private static final int ENABLE = 1, DISABLE = 2, USER_ADD = 3, USER_DELETE = 4, USER_PASSWORD = 5, USER_GRANT = 6,
            USER_REVOKE = 7, ROLE_ADD = 8, ROLE_DELETE = 9, ROLE_GRANT = 10, ROLE_REVOKE = 11;
    private static final AuthState.Access[] ACCESS = AuthState.Access.values();

    static void writeOp(Wire.Writer w, AuthOp op) {
        if (op instanceof AuthOp.Enable e) {
            w.u8(ENABLE).bytes(e.signingKey());
        } else if (op instanceof AuthOp.Disable) {
            w.u8(DISABLE);
        } else if (op instanceof AuthOp.UserAdd a) {
            name(w.u8(USER_ADD), a.name());
            writeHash(w, a.password());
        } else if (op instanceof AuthOp.UserDelete d) {
            name(w.u8(USER_DELETE), d.name());
        } else if (op instanceof AuthOp.UserPassword p) {
            name(w.u8(USER_PASSWORD), p.name());
            writeHash(w, p.password());
        } else if (op instanceof AuthOp.UserGrant g) {
            name(name(w.u8(USER_GRANT), g.user()), g.role());
        } else if (op instanceof AuthOp.UserRevoke v) {
            name(name(w.u8(USER_REVOKE), v.user()), v.role());
        } else if (op instanceof AuthOp.RoleAdd a) {
            name(w.u8(ROLE_ADD), a.name());
        } else if (op instanceof AuthOp.RoleDelete d) {
            name(w.u8(ROLE_DELETE), d.name());
        } else if (op instanceof AuthOp.RoleGrant g) {
            writePermission(name(w.u8(ROLE_GRANT), g.role()), g.permission());
        } else if (op instanceof AuthOp.RoleRevoke v) {
            CommandCodec.writeRange(name(w.u8(ROLE_REVOKE), v.role()), v.range());
        } else {
            throw new IllegalArgumentException("unknown auth op " + op);
        }
    }

    static AuthOp readOp(Wire.Reader r) throws Wire.MalformedException {
        int tag = r.u8();
        return switch (tag) {
            case ENABLE -> new AuthOp.Enable(Bytes.wrap(r.bytes(64)));
            case DISABLE -> new AuthOp.Disable();
            case USER_ADD -> new AuthOp.UserAdd(name(r), readHash(r));
            case USER_DELETE -> new AuthOp.UserDelete(name(r));
            case USER_PASSWORD -> new AuthOp.UserPassword(name(r), readHash(r));
            case USER_GRANT -> new AuthOp.UserGrant(name(r), name(r));
            case USER_REVOKE -> new AuthOp.UserRevoke(name(r), name(r));
            case ROLE_ADD -> new AuthOp.RoleAdd(name(r));
            case ROLE_DELETE -> new AuthOp.RoleDelete(name(r));
            case ROLE_GRANT -> new AuthOp.RoleGrant(name(r), readPermission(r));
            case ROLE_REVOKE -> new AuthOp.RoleRevoke(name(r), CommandCodec.readRange(r));
            default -> throw CommandCodec.newer("auth op tag " + tag);
        };
    }

    static byte[] encodeState(AuthState s) {
        Wire.Writer w = new Wire.Writer(256);
        w.u8(STATE_FORMAT).bool(s.enabled()).varLong(s.revision()).bytes(s.signingKey());
        w.varLong(s.users().size());
        for (AuthState.User u : s.users().values()) {
            name(w, u.name());
            writeHash(w, u.password());
            w.varLong(u.roles().size());
            u.roles().forEach(role -> name(w, role));
        }
        w.varLong(s.roles().size());
        for (AuthState.Role role : s.roles().values()) {
            name(w, role.name());
            w.varLong(role.permissions().size());
            role.permissions().forEach(p -> writePermission(w, p));
        }
        return w.toByteArray();
    }

    static AuthState decodeState(byte[] b, String where) {
        try {
            Wire.Reader r = new Wire.Reader(b);
            int format = r.u8();
            if (format != STATE_FORMAT) {
                throw new IllegalStateException(where + ": auth store format " + format + " is unknown to this node (knows "
                        + STATE_FORMAT + "): upgrade the node");
            }
            boolean enabled = r.bool();
            long revision = r.varLong();
            Bytes key = Bytes.wrap(r.bytes(64));
            TreeMap<String, AuthState.User> users = new TreeMap<>();
            int nu = r.count(AuthState.MAX_USERS);
            for (int i = 0; i < nu; i++) {
                String name = name(r);
                AuthState.PasswordHash h = readHash(r);
                int nr = r.count(AuthState.MAX_ROLES_PER_USER);
                TreeSet<String> roles = new TreeSet<>();
                for (int j = 0; j < nr; j++) {
                    roles.add(name(r));
                }
                users.put(name, new AuthState.User(name, h, roles));
            }
            TreeMap<String, AuthState.Role> roles = new TreeMap<>();
            int nr = r.count(AuthState.MAX_ROLES);
            for (int i = 0; i < nr; i++) {
                String name = name(r);
                int np = r.count(AuthState.MAX_PERMISSIONS_PER_ROLE);
                List<AuthState.Permission> ps = new ArrayList<>(np);
                for (int j = 0; j < np; j++) {
                    ps.add(readPermission(r));
                }
                roles.put(name, new AuthState.Role(name, ps));
            }
            r.expectEnd();
            return new AuthState(enabled, revision, key, users, roles);
        } catch (Wire.MalformedException | IllegalArgumentException e) {
            throw new CorruptionException(where + ": unreadable auth store: " + e.getMessage());
        }
    }

    private static Wire.Writer name(Wire.Writer w, String s) {
        return w.bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String name(Wire.Reader r) throws Wire.MalformedException {
        return new String(r.bytes(AuthState.MAX_NAME_BYTES), StandardCharsets.UTF_8);
    }

    private static void writeHash(Wire.Writer w, AuthState.PasswordHash h) {
        w.bool(h != null);
        if (h != null) {
            w.varLong(h.iterations()).bytes(h.salt()).bytes(h.hash());
        }
    }

    private static AuthState.PasswordHash readHash(Wire.Reader r) throws Wire.MalformedException {
        if (!r.bool()) {
            return null;
        }
        return new AuthState.PasswordHash(r.count(Integer.MAX_VALUE), Bytes.wrap(r.bytes(64)), Bytes.wrap(r.bytes(64)));
    }

    private static void writePermission(Wire.Writer w, AuthState.Permission p) {
        CommandCodec.writeRange(w.u8(p.access().ordinal()).bool(p.prefix()), p.range());
    }

    private static AuthState.Permission readPermission(Wire.Reader r) throws Wire.MalformedException {
        int a = r.u8();
        if (a >= ACCESS.length) {
            throw new Wire.MalformedException("unknown access " + a);
        }
        boolean prefix = r.bool();
        return new AuthState.Permission(ACCESS[a], CommandCodec.readRange(r), prefix);
    }
}
