package io.raftkv.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replicated auth store (etcd's auth store): whether auth is on, its revision, the token signing key, users
 * and roles. An immutable value: every {@link AuthOp} applied in the log yields the next one
 * ({@link #apply}), deterministically on every replica, and bumps {@link #revision}. It lives in the state
 * metadata (never in the user key space), so snapshots, backups and restores carry it.
 *
 * @param enabled    whether requests must authenticate and are authorized
 * @param revision   +1 on every change; a token or a checked proposal from an older revision is stale
 * @param signingKey the HMAC key tokens are signed with, made at {@code auth enable}; empty while never enabled
 */
public record AuthState(boolean enabled, long revision, Bytes signingKey, SortedMap<String, User> users,
                        SortedMap<String, Role> roles) {
    /** The built-in role that may do everything, including administration (etcd's {@code root}). */
    public static final String ROOT = "root";
    public static final int MAX_NAME_BYTES = 128;
    public static final int MAX_USERS = 10_000;
    public static final int MAX_ROLES = 10_000;
    public static final int MAX_ROLES_PER_USER = 64;
    public static final int MAX_PERMISSIONS_PER_ROLE = 1_024;
    public static final AuthState EMPTY = new AuthState(false, 0, Bytes.EMPTY, new TreeMap<>(), new TreeMap<>());

    public AuthState {
        Objects.requireNonNull(signingKey, "signingKey");
        users = Collections.unmodifiableSortedMap(new TreeMap<>(users));
        roles = Collections.unmodifiableSortedMap(new TreeMap<>(roles));
    }

    /** A PBKDF2-HMAC-SHA256 hash; the iteration count is stored so it can be raised for new passwords later. */
    public record PasswordHash(int iterations, Bytes salt, Bytes hash) {
        public PasswordHash {
            Objects.requireNonNull(salt, "salt");
            Objects.requireNonNull(hash, "hash");
            if (iterations < 1 || salt.size() < 8 || salt.size() > 64 || hash.size() < 16 || hash.size() > 64) {
                throw new IllegalArgumentException("implausible password hash: " + iterations + " iterations, "
                        + salt.size() + " B salt, " + hash.size() + " B hash");
            }
        }

        @Override
        public String toString() {
            return "PasswordHash[pbkdf2-sha256, " + iterations + " iterations]";
        }
    }

    /** @param password null for a user that authenticates only by client certificate */
    public record User(String name, PasswordHash password, SortedSet<String> roles) {
        public User {
            checkName(name, "user");
            roles = Collections.unmodifiableSortedSet(new TreeSet<>(roles));
        }

        public boolean isRoot() {
            return roles.contains(ROOT);
        }
    }

    public enum Access {
        READ, WRITE, READWRITE;

        /** Whether a grant of this access covers a need of {@code need} (READ or WRITE). */
        public boolean covers(Access need) {
            return this == READWRITE || this == need;
        }

        public String label() {
            return name();
        }
    }

    /**
     * Access to the keys in {@code range}; {@code prefix} only says how the grant was given (for messages).
     */
    public record Permission(Access access, KeyRange range, boolean prefix) {
        public Permission {
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(range, "range");
            if (prefix && !Objects.equals(range.to(), range.from().prefixEnd())) {
                throw new IllegalArgumentException("a prefix grant must span exactly its prefix");
            }
        }

        public static Permission prefix(Access access, Bytes prefix) {
            return new Permission(access, KeyRange.prefix(prefix), true);
        }

        /** {@code prefix a/x/} or {@code [a, b)} or {@code [a, end of keys)}. */
        public String describeRange() {
            return describe(range, prefix);
        }

        public static String describe(KeyRange r, boolean prefix) {
            if (prefix) {
                return "prefix " + show(r.from());
            }
            return "[" + show(r.from()) + ", " + (r.to() == null ? "end of keys" : show(r.to())) + ")";
        }

        private static String show(Bytes b) {
            String s = b.toString();
            return s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
        }

        /** Whether this grant covers every key of {@code need}. */
        public boolean coversRange(KeyRange need) {
            if (need.from().compareTo(range.from()) < 0) {
                return false;
            }
            if (range.to() == null) {
                return true;
            }
            return need.to() != null && need.to().compareTo(range.to()) <= 0;
        }
    }

    public record Role(String name, List<Permission> permissions) {
        public Role {
            checkName(name, "role");
            permissions = List.copyOf(permissions);
        }
    }

    /** The next state after an op, or why the op was refused (deterministic: a value, as in the core). */
    public record Change(AuthState next, String refusal) {
        static Change refused(String why) {
            return new Change(null, why);
        }
    }

    public boolean hasRootUser() {
        User root = users.get(ROOT);
        return root != null && root.isRoot();
    }

    /** Applies {@code op}: the next state with the revision bumped, or a refusal (nothing changes). */
    public Change apply(AuthOp op) {
        TreeMap<String, User> u = new TreeMap<>(users);
        TreeMap<String, Role> r = new TreeMap<>(roles);
        boolean on = enabled;
        Bytes key = signingKey;
        if (op instanceof AuthOp.Enable e) {
            if (!hasRootUser()) {
                return Change.refused("auth enable refused: user \"root\" must exist and have role \"root\" first "
                        + "(user add root; user grant root root)");
            }
            // Enabling again keeps the key: a new one would make every token issued invalid (a bad signature,
            // which clients do not retry) instead of merely stale at the bumped revision (they re-authenticate).
            key = on ? signingKey : e.signingKey();
            on = true;
        } else if (op instanceof AuthOp.Disable) {
            on = false;
        } else if (op instanceof AuthOp.UserAdd a) {
            if (u.containsKey(a.name())) {
                return Change.refused("user \"" + a.name() + "\" already exists");
            }
            if (u.size() >= MAX_USERS) {
                return Change.refused("user add refused: the auth store holds the maximum of " + MAX_USERS + " users");
            }
            u.put(a.name(), new User(a.name(), a.password(), new TreeSet<>()));
        } else if (op instanceof AuthOp.UserDelete d) {
            if (!u.containsKey(d.name())) {
                return noUser(d.name());
            }
            if (enabled && d.name().equals(ROOT)) {
                return Change.refused("user \"root\" cannot be deleted while auth is enabled (auth disable first)");
            }
            u.remove(d.name());
        } else if (op instanceof AuthOp.UserPassword p) {
            User old = u.get(p.name());
            if (old == null) {
                return noUser(p.name());
            }
            u.put(old.name(), new User(old.name(), p.password(), old.roles()));
        } else if (op instanceof AuthOp.UserGrant g) {
            User old = u.get(g.user());
            if (old == null) {
                return noUser(g.user());
            }
            if (!g.role().equals(ROOT) && !r.containsKey(g.role())) {
                return noRole(g.role());
            }
            if (old.roles().contains(g.role())) {
                return Change.refused("user \"" + g.user() + "\" already has role \"" + g.role() + "\"");
            }
            if (old.roles().size() >= MAX_ROLES_PER_USER) {
                return Change.refused("user \"" + g.user() + "\" already has the maximum of " + MAX_ROLES_PER_USER + " roles");
            }
            TreeSet<String> rs = new TreeSet<>(old.roles());
            rs.add(g.role());
            u.put(old.name(), new User(old.name(), old.password(), rs));
        } else if (op instanceof AuthOp.UserRevoke v) {
            User old = u.get(v.user());
            if (old == null) {
                return noUser(v.user());
            }
            if (!old.roles().contains(v.role())) {
                return Change.refused("user \"" + v.user() + "\" does not have role \"" + v.role() + "\"");
            }
            if (enabled && v.user().equals(ROOT) && v.role().equals(ROOT)) {
                return Change.refused("role \"root\" cannot be revoked from user \"root\" while auth is enabled");
            }
            TreeSet<String> rs = new TreeSet<>(old.roles());
            rs.remove(v.role());
            u.put(old.name(), new User(old.name(), old.password(), rs));
        } else if (op instanceof AuthOp.RoleAdd a) {
            if (a.name().equals(ROOT) || r.containsKey(a.name())) {
                return Change.refused("role \"" + a.name() + "\" already exists" + (a.name().equals(ROOT) ? " (built in)" : ""));
            }
            if (r.size() >= MAX_ROLES) {
                return Change.refused("role add refused: the auth store holds the maximum of " + MAX_ROLES + " roles");
            }
            r.put(a.name(), new Role(a.name(), List.of()));
        } else if (op instanceof AuthOp.RoleDelete d) {
            if (!r.containsKey(d.name())) {
                return noRole(d.name());
            }
            r.remove(d.name());
            // Like etcd: the role disappears from every user that had it.
            for (User x : List.copyOf(u.values())) {
                if (x.roles().contains(d.name())) {
                    TreeSet<String> rs = new TreeSet<>(x.roles());
                    rs.remove(d.name());
                    u.put(x.name(), new User(x.name(), x.password(), rs));
                }
            }
        } else if (op instanceof AuthOp.RoleGrant g) {
            Role old = r.get(g.role());
            if (old == null) {
                return noRole(g.role());
            }
            List<Permission> ps = new ArrayList<>();
            for (Permission p : old.permissions()) {
                if (!p.range().equals(g.permission().range())) {
                    ps.add(p);
                }
            }
            if (ps.size() >= MAX_PERMISSIONS_PER_ROLE) {
                return Change.refused("role \"" + g.role() + "\" already has the maximum of " + MAX_PERMISSIONS_PER_ROLE
                        + " permissions");
            }
            ps.add(g.permission()); // a grant on the same range replaces the earlier one (etcd)
            r.put(old.name(), new Role(old.name(), ps));
        } else if (op instanceof AuthOp.RoleRevoke v) {
            Role old = r.get(v.role());
            if (old == null) {
                return noRole(v.role());
            }
            List<Permission> ps = old.permissions().stream().filter(p -> !p.range().equals(v.range())).toList();
            if (ps.size() == old.permissions().size()) {
                return Change.refused("role \"" + v.role() + "\" has no permission on " + Permission.describe(v.range(), false));
            }
            r.put(old.name(), new Role(old.name(), ps));
        } else {
            throw new IllegalStateException("unknown auth op " + op);
        }
        return new Change(new AuthState(on, revision + 1, key, u, r), null);
    }

    private static Change noUser(String name) {
        return Change.refused("user \"" + name + "\" does not exist");
    }

    private static Change noRole(String name) {
        return Change.refused("role \"" + name + "\" does not exist");
    }

    /** Names are 1..128 bytes of UTF-8 without control characters or ':' (etcdctl's user:password separator). */
    public static void checkName(String name, String what) {
        Objects.requireNonNull(name, what);
        int n = name.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " name must be 1.." + MAX_NAME_BYTES + " bytes, got " + n);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == ':') {
                throw new IllegalArgumentException(what + " name must not contain control characters or ':'");
            }
        }
    }

    @Override
    public String toString() {
        // Never prints the signing key or password hashes.
        return "AuthState[enabled=" + enabled + ", revision=" + revision + ", users=" + users.keySet() + ", roles="
                + roles.keySet() + "]";
    }
}
