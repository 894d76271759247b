package io.raftkv.storage;

import java.util.Objects;

/**
 * A change of the replicated auth store, carried in the log by {@link Command.Auth} and applied by
 * {@link AuthState#apply}. Passwords never appear here: a node hashes them before proposing, so the log,
 * snapshots and backups only ever hold hashes.
 */
public sealed interface AuthOp {

    /** Turns auth on with a fresh token signing key (made by the proposing node). */
    record Enable(Bytes signingKey) implements AuthOp {
        public Enable {
            if (signingKey.size() < 32 || signingKey.size() > 64) {
                throw new IllegalArgumentException("signing key must be 32..64 bytes, got " + signingKey.size());
            }
        }

        @Override
        public String toString() {
            return "Enable[]";
        }
    }

    record Disable() implements AuthOp {
    }

    /** @param password null: a user that can only authenticate with a client certificate */
    record UserAdd(String name, AuthState.PasswordHash password) implements AuthOp {
        public UserAdd {
            AuthState.checkName(name, "user");
        }
    }

    record UserDelete(String name) implements AuthOp {
        public UserDelete {
            AuthState.checkName(name, "user");
        }
    }

    record UserPassword(String name, AuthState.PasswordHash password) implements AuthOp {
        public UserPassword {
            AuthState.checkName(name, "user");
            Objects.requireNonNull(password, "password");
        }
    }

    record UserGrant(String user, String role) implements AuthOp {
        public UserGrant {
            AuthState.checkName(user, "user");
            AuthState.checkName(role, "role");
        }
    }

    record UserRevoke(String user, String role) implements AuthOp {
        public UserRevoke {
            AuthState.checkName(user, "user");
            AuthState.checkName(role, "role");
        }
    }

    record RoleAdd(String name) implements AuthOp {
        public RoleAdd {
            AuthState.checkName(name, "role");
        }
    }

    record RoleDelete(String name) implements AuthOp {
        public RoleDelete {
            AuthState.checkName(name, "role");
        }
    }

    record RoleGrant(String role, AuthState.Permission permission) implements AuthOp {
        public RoleGrant {
            AuthState.checkName(role, "role");
            Objects.requireNonNull(permission, "permission");
        }
    }

    /** Removes the role's permission on exactly {@code range}. */
    record RoleRevoke(String role, KeyRange range) implements AuthOp {
        public RoleRevoke {
            AuthState.checkName(role, "role");
            Objects.requireNonNull(range, "range");
        }
    }
}
