package io.raftkv.client;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.raftkv.proto.AuthChangeResponse;
import io.raftkv.proto.AuthDisableRequest;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.AuthStatusRequest;
import io.raftkv.proto.Permission;
import io.raftkv.proto.RoleAddRequest;
import io.raftkv.proto.RoleDeleteRequest;
import io.raftkv.proto.RoleGetRequest;
import io.raftkv.proto.RoleGrantPermissionRequest;
import io.raftkv.proto.RoleListRequest;
import io.raftkv.proto.RoleRevokePermissionRequest;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserChangePasswordRequest;
import io.raftkv.proto.UserDeleteRequest;
import io.raftkv.proto.UserGetRequest;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.proto.UserListRequest;
import io.raftkv.proto.UserRevokeRoleRequest;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Users, roles and auth on/off (etcd's auth API), from {@link RaftKvClient#auth()}. Every change goes through
 * the leader and the log, answers with the auth revision it made, and needs the {@code root} role once auth is
 * enabled (with auth disabled anyone may make them, as in etcd). Changes are not retried once they may have
 * been applied (like membership changes): an {@link IndeterminateException} means "look before trying again".
 * Refused changes (a user that exists, a role that does not, enabling auth without a {@code root} user holding
 * role {@code root}) fail with {@link InvalidArgumentException}.
 */
public final class AuthAdmin {
    /** What a role grants on a key range (see {@link Grant#prefix(Access, ByteString)} and {@link Grant#range}). */
    public enum Access { READ, WRITE, READWRITE }

    /**
     * Access to keys with prefix {@code from} ({@code prefix}), or to {@code [from, to)} ({@code to} empty: to the
     * end of the key space).
     */
    public record Grant(Access access, ByteString from, ByteString to, boolean prefix) {
        public Grant {
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(from, "from");
            to = to == null ? ByteString.EMPTY : to;
        }

        public static Grant prefix(Access access, ByteString prefix) {
            return new Grant(access, prefix, ByteString.EMPTY, true);
        }

        public static Grant range(Access access, ByteString from, ByteString to) {
            return new Grant(access, from, to, false);
        }

        @Override
        public String toString() {
            return access + (prefix ? " prefix " + from.toStringUtf8()
                    : " [" + from.toStringUtf8() + ", " + (to.isEmpty() ? "end of keys" : to.toStringUtf8()) + ")");
        }
    }

    public record AuthStatus(boolean enabled, long authRevision) {
    }

    public record User(String name, List<String> roles, boolean hasPassword) {
        public User {
            roles = List.copyOf(roles);
        }
    }

    public record Role(String name, List<Grant> grants) {
        public Role {
            grants = List.copyOf(grants);
        }
    }

    private final ClientCore core;

    AuthAdmin(ClientCore core) {
        this.core = core;
    }

    /** Turns auth on; refused unless user {@code root} exists and has role {@code root}. Returns the auth revision. */
    public long enable() {
        return change("auth enable", AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.getDefaultInstance());
    }

    public long disable() {
        return change("auth disable", AuthGrpc.getAuthDisableMethod(), AuthDisableRequest.getDefaultInstance());
    }

    public AuthStatus status() {
        return read(core.call(new Call.Spec<>("auth status", AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance(),
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(r -> new AuthStatus(r.getEnabled(), r.getAuthRevision())));
    }

    /** Adds a user with a password (hashed by the node that receives it; never stored or logged in clear). */
    public long userAdd(String name, String password) {
        return change("user add " + name, AuthGrpc.getUserAddMethod(), UserAddRequest.newBuilder().setName(name)
                .setPassword(password).build());
    }

    /** Adds a user without a password: it authenticates only by client certificate (common name = user name). */
    public long userAddWithoutPassword(String name) {
        return change("user add " + name, AuthGrpc.getUserAddMethod(), UserAddRequest.newBuilder().setName(name)
                .setNoPassword(true).build());
    }

    public long userDelete(String name) {
        return change("user delete " + name, AuthGrpc.getUserDeleteMethod(), UserDeleteRequest.newBuilder().setName(name).build());
    }

    public long userChangePassword(String name, String password) {
        return change("user passwd " + name, AuthGrpc.getUserChangePasswordMethod(), UserChangePasswordRequest.newBuilder()
                .setName(name).setPassword(password).build());
    }

    public long userGrantRole(String user, String role) {
        return change("user grant " + user + " " + role, AuthGrpc.getUserGrantRoleMethod(),
                UserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build());
    }

    public long userRevokeRole(String user, String role) {
        return change("user revoke " + user + " " + role, AuthGrpc.getUserRevokeRoleMethod(),
                UserRevokeRoleRequest.newBuilder().setUser(user).setRole(role).build());
    }

    public User userGet(String name) {
        return read(core.call(new Call.Spec<>("user get " + name, AuthGrpc.getUserGetMethod(),
                UserGetRequest.newBuilder().setName(name).build(), Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0))
                .thenApply(r -> new User(r.getName(), r.getRolesList(), r.getHasPassword())));
    }

    public List<String> userList() {
        return read(core.call(new Call.Spec<>("user list", AuthGrpc.getUserListMethod(), UserListRequest.getDefaultInstance(),
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(r -> List.copyOf(r.getUsersList())));
    }

    public long roleAdd(String name) {
        return change("role add " + name, AuthGrpc.getRoleAddMethod(), RoleAddRequest.newBuilder().setName(name).build());
    }

    public long roleDelete(String name) {
        return change("role delete " + name, AuthGrpc.getRoleDeleteMethod(), RoleDeleteRequest.newBuilder().setName(name).build());
    }

    /** Grants {@code grant} to {@code role}; a grant on the same range as an earlier one replaces it. */
    public long roleGrant(String role, Grant grant) {
        return change("role grant " + role, AuthGrpc.getRoleGrantPermissionMethod(), RoleGrantPermissionRequest.newBuilder()
                .setRole(role).setPermission(toProto(grant)).build());
    }

    /** Removes the role's permission on exactly {@code grant}'s range or prefix (its access is ignored). */
    public long roleRevoke(String role, Grant grant) {
        return change("role revoke " + role, AuthGrpc.getRoleRevokePermissionMethod(), RoleRevokePermissionRequest.newBuilder()
                .setRole(role).setPermission(toProto(grant)).build());
    }

    public Role roleGet(String name) {
        return read(core.call(new Call.Spec<>("role get " + name, AuthGrpc.getRoleGetMethod(),
                RoleGetRequest.newBuilder().setName(name).build(), Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0))
                .thenApply(r -> new Role(r.getName(), r.getPermissionsList().stream().map(AuthAdmin::fromProto).toList())));
    }

    public List<String> roleList() {
        return read(core.call(new Call.Spec<>("role list", AuthGrpc.getRoleListMethod(), RoleListRequest.getDefaultInstance(),
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(r -> List.copyOf(r.getRolesList())));
    }

    private <Q> long change(String what, MethodDescriptor<Q, AuthChangeResponse> method, Q request) {
        CompletableFuture<Long> f = core.call(new Call.Spec<>(what, method, request, Call.Route.LEADER, Call.Safety.UNSAFE_WRITE, 0))
                .thenApply(AuthChangeResponse::getAuthRevision);
        return Await.result(f, Call.Safety.UNSAFE_WRITE);
    }

    private static <T> T read(CompletableFuture<T> f) {
        return Await.result(f, Call.Safety.IDEMPOTENT);
    }

    private static Permission toProto(Grant g) {
        return Permission.newBuilder().setType(Permission.Type.valueOf(g.access().name())).setKey(g.from())
                .setRangeEnd(g.prefix() ? ByteString.EMPTY : g.to()).setPrefix(g.prefix()).build();
    }

    private static Grant fromProto(Permission p) {
        Access a = p.getType() == Permission.Type.UNRECOGNIZED ? Access.READ : Access.valueOf(p.getType().name());
        return new Grant(a, p.getKey(), p.getRangeEnd(), p.getPrefix());
    }
}
