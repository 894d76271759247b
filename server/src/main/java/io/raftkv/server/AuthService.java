package io.raftkv.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.AuthChangeResponse;
import io.raftkv.proto.AuthDisableRequest;
import io.raftkv.proto.AuthEnableRequest;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.AuthStatusRequest;
import io.raftkv.proto.AuthStatusResponse;
import io.raftkv.proto.AuthenticateRequest;
import io.raftkv.proto.AuthenticateResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.Permission;
import io.raftkv.proto.ResponseHeader;
import io.raftkv.proto.RoleAddRequest;
import io.raftkv.proto.RoleDeleteRequest;
import io.raftkv.proto.RoleGetRequest;
import io.raftkv.proto.RoleGetResponse;
import io.raftkv.proto.RoleGrantPermissionRequest;
import io.raftkv.proto.RoleListRequest;
import io.raftkv.proto.RoleListResponse;
import io.raftkv.proto.RoleRevokePermissionRequest;
import io.raftkv.proto.UserAddRequest;
import io.raftkv.proto.UserChangePasswordRequest;
import io.raftkv.proto.UserDeleteRequest;
import io.raftkv.proto.UserGetRequest;
import io.raftkv.proto.UserGetResponse;
import io.raftkv.proto.UserGrantRoleRequest;
import io.raftkv.proto.UserListRequest;
import io.raftkv.proto.UserListResponse;
import io.raftkv.proto.UserRevokeRoleRequest;
import io.raftkv.storage.AuthOp;
import io.raftkv.storage.AuthState;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.Command;
import io.raftkv.storage.KeyRange;
import io.raftkv.storage.Request;
import io.raftkv.storage.Result;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Auth service (auth.proto): authentication, and the admin RPCs that change the replicated auth store
 * through the log ({@link Command.Auth}). Passwords are hashed here, on {@link Authenticator}'s bounded
 * threads, before anything is proposed; nothing here logs a request. Reads (status, get, list) answer from
 * this node's applied auth store. Who may call what is decided by {@link AuthGate}, not here.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RaftNode node;
    private final AuthGate gate;
    private final Authenticator authenticator;
    private final Duration tokenTtl;

    AuthService(RaftNode node, AuthGate gate, Authenticator authenticator, Duration tokenTtl) {
        this.node = node;
        this.gate = gate;
        this.authenticator = authenticator;
        this.tokenTtl = tokenTtl;
    }

    private AuthState state() {
        return node.store().stateMachine().auth();
    }

    @Override
    public void authenticate(AuthenticateRequest req, StreamObserver<AuthenticateResponse> out) {
        serve(out, () -> authenticator.submit(() -> {
            AuthState st = state();
            if (!st.enabled()) {
                return AuthenticateResponse.newBuilder().setHeader(header(0)).setAuthRevision(st.revision()).build();
            }
            AuthState.User u = st.users().get(req.getName());
            // An unknown user costs a hash too, so timing does not tell which names exist; a password longer than
            // any that can be set is wrong without one.
            boolean ok = req.getPassword().length() <= Passwords.MAX_PASSWORD_CHARS
                    && Passwords.verify(req.getPassword(), u == null ? null : u.password());
            if (!ok) {
                throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "authentication failed: wrong user name or password");
            }
            String token = Tokens.issue(st, u.name(), System.currentTimeMillis() + tokenTtl.toMillis());
            return AuthenticateResponse.newBuilder().setHeader(header(0)).setToken(token).setTtlMillis(tokenTtl.toMillis())
                    .setAuthRevision(st.revision()).build();
        }));
    }

    @Override
    public void authEnable(AuthEnableRequest req, StreamObserver<AuthChangeResponse> out) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        change(out, () -> new AuthOp.Enable(Bytes.copyOf(key)));
    }

    @Override
    public void authDisable(AuthDisableRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, AuthOp.Disable::new);
    }

    @Override
    public void authStatus(AuthStatusRequest req, StreamObserver<AuthStatusResponse> out) {
        serve(out, () -> {
            AuthState st = state();
            return CompletableFuture.completedFuture(AuthStatusResponse.newBuilder().setHeader(header(0))
                    .setEnabled(st.enabled()).setAuthRevision(st.revision()).build());
        });
    }

    @Override
    public void userAdd(UserAddRequest req, StreamObserver<AuthChangeResponse> out) {
        if (req.getNoPassword()) {
            change(out, () -> new AuthOp.UserAdd(req.getName(), null));
            return;
        }
        hashThenChange(out, req.getPassword(), h -> new AuthOp.UserAdd(req.getName(), h));
    }

    @Override
    public void userChangePassword(UserChangePasswordRequest req, StreamObserver<AuthChangeResponse> out) {
        hashThenChange(out, req.getPassword(), h -> new AuthOp.UserPassword(req.getName(), h));
    }

    @Override
    public void userDelete(UserDeleteRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.UserDelete(req.getName()));
    }

    @Override
    public void userGrantRole(UserGrantRoleRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.UserGrant(req.getUser(), req.getRole()));
    }

    @Override
    public void userRevokeRole(UserRevokeRoleRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.UserRevoke(req.getUser(), req.getRole()));
    }

    @Override
    public void userGet(UserGetRequest req, StreamObserver<UserGetResponse> out) {
        serve(out, () -> {
            AuthState.User u = state().users().get(req.getName());
            if (u == null) {
                throw NodeException.invalid("auth", 0, 0, "user \"" + req.getName() + "\" does not exist");
            }
            return CompletableFuture.completedFuture(UserGetResponse.newBuilder().setHeader(header(0)).setName(u.name())
                    .addAllRoles(u.roles()).setHasPassword(u.password() != null).build());
        });
    }

    @Override
    public void userList(UserListRequest req, StreamObserver<UserListResponse> out) {
        serve(out, () -> CompletableFuture.completedFuture(UserListResponse.newBuilder().setHeader(header(0))
                .addAllUsers(state().users().keySet()).build()));
    }

    @Override
    public void roleAdd(RoleAddRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.RoleAdd(req.getName()));
    }

    @Override
    public void roleDelete(RoleDeleteRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.RoleDelete(req.getName()));
    }

    @Override
    public void roleGet(RoleGetRequest req, StreamObserver<RoleGetResponse> out) {
        serve(out, () -> {
            RoleGetResponse.Builder b = RoleGetResponse.newBuilder().setHeader(header(0)).setName(req.getName());
            if (!req.getName().equals(AuthState.ROOT)) {
                AuthState.Role r = state().roles().get(req.getName());
                if (r == null) {
                    throw NodeException.invalid("auth", 0, 0, "role \"" + req.getName() + "\" does not exist");
                }
                r.permissions().forEach(p -> b.addPermissions(toProto(p)));
            } else {
                b.addPermissions(Permission.newBuilder().setType(Permission.Type.READWRITE));
            }
            return CompletableFuture.completedFuture(b.build());
        });
    }

    @Override
    public void roleList(RoleListRequest req, StreamObserver<RoleListResponse> out) {
        serve(out, () -> {
            RoleListResponse.Builder b = RoleListResponse.newBuilder().setHeader(header(0)).addRoles(AuthState.ROOT);
            b.addAllRoles(state().roles().keySet());
            return CompletableFuture.completedFuture(b.build());
        });
    }

    @Override
    public void roleGrantPermission(RoleGrantPermissionRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> {
            if (req.getRole().equals(AuthState.ROOT)) {
                throw NodeException.invalid("auth", 0, 0, "role \"root\" already has every permission");
            }
            return new AuthOp.RoleGrant(req.getRole(), fromProto(req.getPermission()));
        });
    }

    @Override
    public void roleRevokePermission(RoleRevokePermissionRequest req, StreamObserver<AuthChangeResponse> out) {
        change(out, () -> new AuthOp.RoleRevoke(req.getRole(), fromProto(req.getPermission()).range()));
    }

    // ------------------------------------------------------------------ plumbing

    private void hashThenChange(StreamObserver<AuthChangeResponse> out, String password,
                                java.util.function.Function<AuthState.PasswordHash, AuthOp> op) {
        serve(out, () -> {
            Passwords.check(password);
            // Taken now, on the call's thread: the auth revision the gate checked this call at.
            long revision = gate.revision(AuthGate.caller());
            Duration timeout = timeout();
            return authenticator.submit(() -> Passwords.hash(password))
                    .thenCompose(h -> propose(op.apply(h), revision, timeout));
        });
    }

    private void change(StreamObserver<AuthChangeResponse> out, Supplier<AuthOp> op) {
        serve(out, () -> propose(op.get(), gate.revision(AuthGate.caller()), timeout()));
    }

    private CompletableFuture<AuthChangeResponse> propose(AuthOp op, long revision, Duration timeout) {
        Request r = Request.of(new Command.Auth(op)).withAuthRevision(revision);
        return node.propose(r, timeout).thenApply(a -> {
            Result.AuthChanged c = KvService.expect(a, Result.AuthChanged.class);
            return AuthChangeResponse.newBuilder().setHeader(header(a.index())).setAuthRevision(c.revision()).build();
        });
    }

    static Permission toProto(AuthState.Permission p) {
        Permission.Builder b = Permission.newBuilder().setType(Permission.Type.valueOf(p.access().name()))
                .setKey(KvService.bytes(p.range().from())).setPrefix(p.prefix());
        if (!p.prefix() && p.range().to() != null) {
            b.setRangeEnd(KvService.bytes(p.range().to()));
        }
        return b.build();
    }

    static AuthState.Permission fromProto(Permission p) {
        if (p.getType() == Permission.Type.UNRECOGNIZED) {
            throw NodeException.invalid("permission-type", 2, p.getTypeValue(), "unknown permission type " + p.getTypeValue());
        }
        AuthState.Access access = AuthState.Access.valueOf(p.getType().name());
        Bytes from = KvService.bytes(p.getKey());
        if (p.getPrefix()) {
            if (!p.getRangeEnd().isEmpty()) {
                throw NodeException.invalid("permission-range", 0, 0, "give either a prefix or a range, not both");
            }
            return AuthState.Permission.prefix(access, from);
        }
        Bytes to = p.getRangeEnd().isEmpty() ? null : KvService.bytes(p.getRangeEnd());
        if (to != null && to.compareTo(from) <= 0) {
            throw NodeException.invalid("permission-range", 0, 0, "the range end must sort after its start");
        }
        return new AuthState.Permission(access, new KeyRange(from, to), false);
    }

    private ResponseHeader header(long index) {
        RaftNode.NodeStatus s = node.status();
        return ResponseHeader.newBuilder().setMemberId(s.id()).setTerm(s.term())
                .setIndex(index == 0 ? node.store().stateMachine().appliedIndex() : index).build();
    }

    private static Duration timeout() {
        Deadline d = Context.current().getDeadline();
        return d == null ? null : Duration.ofNanos(Math.max(1, d.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    private interface Start<T> {
        CompletableFuture<T> start();
    }

    private static <T> void serve(StreamObserver<T> out, Start<T> call) {
        CompletableFuture<T> f;
        try {
            f = call.start();
        } catch (IllegalArgumentException e) {
            out.onError(GrpcErrors.toStatus(NodeException.invalid("auth", 0, 0, e.getMessage())));
            return;
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        f.whenComplete((v, t) -> {
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof IllegalArgumentException iae) {
                out.onError(GrpcErrors.toStatus(NodeException.invalid("auth", 0, 0, iae.getMessage())));
            } else if (cause != null) {
                out.onError(GrpcErrors.toStatus(cause));
            } else {
                out.onNext(v);
                out.onCompleted();
            }
        });
    }
}
