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

    /** Turns auth on; refused unless user {@code root} exists and has role {@code root}. Completes with the auth revision. */
    public CompletableFuture<Long> enableAsync() {
        return change("auth enable", AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.getDefaultInstance());
    }

    /** Synchronous {@link #enableAsync}. */
    public long enable() {
        return write(enableAsync());
    }

    public CompletableFuture<Long> disableAsync() {
        return change("auth disable", AuthGrpc.getAuthDisableMethod(), AuthDisableRequest.getDefaultInstance());
    }

    public long disable() {
        return write(disableAsync());
    }

    /** Whether auth is enabled, and the auth revision (open to every caller, like {@code status}). */
    public CompletableFuture<AuthStatus> statusAsync() {
        return read("auth status", AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance())
                .thenApply(r -> new AuthStatus(r.getEnabled(), r.getAuthRevision()));
    }

    public AuthStatus status() {
        return Await.result(statusAsync(), Call.Safety.IDEMPOTENT);
    }

    /** Adds a user with a password (hashed by the node that receives it; never stored or logged in clear). */
    public CompletableFuture<Long> userAddAsync(String name, String password) {
        return change("user add " + name, AuthGrpc.getUserAddMethod(), UserAddRequest.newBuilder().setName(name)
                .setPassword(password).build());
    }

    public long userAdd(String name, String password) {
        return write(userAddAsync(name, password));
    }

    /** Adds a user without a password: it authenticates only by client certificate (common name = user name). */
    public CompletableFuture<Long> userAddWithoutPasswordAsync(String name) {
        return change("user add " + name, AuthGrpc.getUserAddMethod(), UserAddRequest.newBuilder().setName(name)
                .setNoPassword(true).build());
    }

    public long userAddWithoutPassword(String name) {
        return write(userAddWithoutPasswordAsync(name));
    }

    /** Deletes a user (not {@code root} while auth is enabled). */
    public CompletableFuture<Long> userDeleteAsync(String name) {
        return change("user delete " + name, AuthGrpc.getUserDeleteMethod(), UserDeleteRequest.newBuilder().setName(name).build());
    }

    public long userDelete(String name) {
        return write(userDeleteAsync(name));
    }

    public CompletableFuture<Long> userChangePasswordAsync(String name, String password) {
        return change("user passwd " + name, AuthGrpc.getUserChangePasswordMethod(), UserChangePasswordRequest.newBuilder()
                .setName(name).setPassword(password).build());
    }

    public long userChangePassword(String name, String password) {
        return write(userChangePasswordAsync(name, password));
    }

    public CompletableFuture<Long> userGrantRoleAsync(String user, String role) {
        return change("user grant " + user + " " + role, AuthGrpc.getUserGrantRoleMethod(),
                UserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build());
    }

    public long userGrantRole(String user, String role) {
        return write(userGrantRoleAsync(user, role));
    }

    public CompletableFuture<Long> userRevokeRoleAsync(String user, String role) {
        return change("user revoke " + user + " " + role, AuthGrpc.getUserRevokeRoleMethod(),
                UserRevokeRoleRequest.newBuilder().setUser(user).setRole(role).build());
    }

    public long userRevokeRole(String user, String role) {
        return write(userRevokeRoleAsync(user, role));
    }

    public CompletableFuture<User> userGetAsync(String name) {
        return read("user get " + name, AuthGrpc.getUserGetMethod(), UserGetRequest.newBuilder().setName(name).build())
                .thenApply(r -> new User(r.getName(), r.getRolesList(), r.getHasPassword()));
    }

    public User userGet(String name) {
        return Await.result(userGetAsync(name), Call.Safety.IDEMPOTENT);
    }

    public CompletableFuture<List<String>> userListAsync() {
        return read("user list", AuthGrpc.getUserListMethod(), UserListRequest.getDefaultInstance())
                .thenApply(r -> List.copyOf(r.getUsersList()));
    }

    public List<String> userList() {
        return Await.result(userListAsync(), Call.Safety.IDEMPOTENT);
    }

    public CompletableFuture<Long> roleAddAsync(String name) {
        return change("role add " + name, AuthGrpc.getRoleAddMethod(), RoleAddRequest.newBuilder().setName(name).build());
    }

    public long roleAdd(String name) {
        return write(roleAddAsync(name));
    }

    /** Deletes a role; every user that had it loses it. */
    public CompletableFuture<Long> roleDeleteAsync(String name) {
        return change("role delete " + name, AuthGrpc.getRoleDeleteMethod(), RoleDeleteRequest.newBuilder().setName(name).build());
    }

    public long roleDelete(String name) {
        return write(roleDeleteAsync(name));
    }

    /** Grants {@code grant} to {@code role}; a grant on the same range as an earlier one replaces it. */
    public CompletableFuture<Long> roleGrantAsync(String role, Grant grant) {
        return change("role grant " + role, AuthGrpc.getRoleGrantPermissionMethod(), RoleGrantPermissionRequest.newBuilder()
                .setRole(role).setPermission(toProto(grant)).build());
    }

    public long roleGrant(String role, Grant grant) {
        return write(roleGrantAsync(role, grant));
    }

    /** Removes the role's permission on exactly {@code grant}'s range or prefix (its access is ignored). */
    public CompletableFuture<Long> roleRevokeAsync(String role, Grant grant) {
        return change("role revoke " + role, AuthGrpc.getRoleRevokePermissionMethod(), RoleRevokePermissionRequest.newBuilder()
                .setRole(role).setPermission(toProto(grant)).build());
    }

    public long roleRevoke(String role, Grant grant) {
        return write(roleRevokeAsync(role, grant));
    }

    public CompletableFuture<Role> roleGetAsync(String name) {
        return read("role get " + name, AuthGrpc.getRoleGetMethod(), RoleGetRequest.newBuilder().setName(name).build())
                .thenApply(r -> new Role(r.getName(), r.getPermissionsList().stream().map(AuthAdmin::fromProto).toList()));
    }

    public Role roleGet(String name) {
        return Await.result(roleGetAsync(name), Call.Safety.IDEMPOTENT);
    }

    /** Every role, {@code root} first. */
    public CompletableFuture<List<String>> roleListAsync() {
        return read("role list", AuthGrpc.getRoleListMethod(), RoleListRequest.getDefaultInstance())
                .thenApply(r -> List.copyOf(r.getRolesList()));
    }

    public List<String> roleList() {
        return Await.result(roleListAsync(), Call.Safety.IDEMPOTENT);
    }

    /** Through the leader and the log, not retried once it may have been applied (like a membership change). */
    private <Q> CompletableFuture<Long> change(String what, MethodDescriptor<Q, AuthChangeResponse> method, Q request) {
        return core.call(new Call.Spec<>(what, method, request, Call.Route.LEADER, Call.Safety.UNSAFE_WRITE, 0))
                .thenApply(AuthChangeResponse::getAuthRevision);
    }

    private static long write(CompletableFuture<Long> f) {
        return Await.result(f, Call.Safety.UNSAFE_WRITE);
    }

    /** The answering node's applied auth store, the leader preferred. */
    private <Q, R> CompletableFuture<R> read(String what, MethodDescriptor<Q, R> method, Q request) {
        return core.call(new Call.Spec<>(what, method, request, Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0));
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
