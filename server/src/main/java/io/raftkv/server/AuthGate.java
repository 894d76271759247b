package io.raftkv.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.TxnRequest;
import io.raftkv.storage.AuthState;
import io.raftkv.storage.Command;
import io.raftkv.storage.KvStateMachine;
import io.raftkv.storage.Request;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authentication and authorization on the client port: one interceptor in front of every client service.
 *
 * <ol>
 *   <li>Auth disabled: the call passes untouched (one volatile read of the auth store); an admin call is
 *       looked at once more when it runs, in case auth was enabled meanwhile.</li>
 *   <li>Open methods (status, members, health, Authenticate, AuthStatus) pass; every method is classified
 *       ({@link #classify}), and one without a rule is refused.</li>
 *   <li>Identity: the bearer token in {@code authorization} ({@link Tokens}); without one, on a port with
 *       {@code --client-cert-auth}, the verified client certificate's common name (as etcd). Otherwise
 *       UNAUTHENTICATED; an expired token or one older than the auth store's revision is AUTH_STALE.</li>
 *   <li>Admin methods (membership, transfer, alarms, corruption check, backups, the auth admin RPCs) need
 *       the root role.</li>
 *   <li>KV methods: when the request message arrives, its keys and ranges are checked
 *       ({@link AuthChecker}); a refusal closes the call with PERMISSION_DENIED before the service sees it.</li>
 *   <li>When the service is about to run the call (half-close), AUTH_STALE if users or roles changed since
 *       the check: a client may hold a call open between its message and its half-close as long as it likes.</li>
 *   <li>The batch stream (KV.Batch) passes; each op in it is checked when it arrives ({@link #checkOp}) by the
 *       rules above, with the op's own token or the stream's client certificate.</li>
 * </ol>
 *
 * The auth revision the check ran at travels in the call's {@link Context} to the proposal
 * ({@link #authorized}), and apply refuses the proposal if users or roles changed in between.
 */
final class AuthGate implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    private static final Context.Key<Principal> PRINCIPAL = Context.key("raftkv-principal");
    /** The verified TLS session of a batch stream, for ops that name their user by client certificate. */
    private static final Context.Key<SSLSession> TLS_SESSION = Context.key("raftkv-tls-session");
    private static final String HEALTH_SERVICE = "grpc.health.v1.Health";

    /** What a method needs while auth is enabled. */
    enum Access {
        /** Anyone, without credentials. */
        OPEN,
        /** An authenticated user with permissions on every key and range the request names ({@link #needs}). */
        KEYS,
        /** An authenticated user; apply checks that a session serves only its owner. */
        SESSION,
        /** An authenticated user with the root role. */
        ADMIN,
        /**
         * The batch stream: it passes, and each op in it is checked as its unary method would be
         * ({@link #checkOp}), against the auth store of that moment, with the op's own token.
         */
        BATCH
    }

    /**
     * Every client-port method by name. A method missing here is refused to everyone while auth is enabled
     * (AuthGateMethodsTest fails first): a method added to a service must be classified, never let through
     * by default.
     */
    private static final Map<String, Access> METHODS = methods();

    private static Map<String, Access> methods() {
        Map<String, Access> m = new HashMap<>();
        for (MethodDescriptor<?, ?> d : List.of(ClusterGrpc.getStatusMethod(), ClusterGrpc.getMembersMethod(),
                AuthGrpc.getAuthenticateMethod(), AuthGrpc.getAuthStatusMethod())) {
            m.put(d.getFullMethodName(), Access.OPEN);
        }
        for (MethodDescriptor<?, ?> d : List.of(KVGrpc.getPutMethod(), KVGrpc.getGetMethod(), KVGrpc.getDeleteMethod(),
                KVGrpc.getCompareAndSetMethod(), KVGrpc.getScanMethod(), KVGrpc.getTxnMethod())) {
            m.put(d.getFullMethodName(), Access.KEYS);
        }
        m.put(KVGrpc.getBatchMethod().getFullMethodName(), Access.BATCH);
        for (MethodDescriptor<?, ?> d : List.of(KVGrpc.getOpenSessionMethod(), KVGrpc.getKeepAliveMethod(),
                KVGrpc.getCloseSessionMethod())) {
            m.put(d.getFullMethodName(), Access.SESSION);
        }
        for (MethodDescriptor<?, ?> d : List.of(ClusterGrpc.getTransferLeadershipMethod(), ClusterGrpc.getAddMemberMethod(),
                ClusterGrpc.getRemoveMemberMethod(), ClusterGrpc.getPromoteMemberMethod(), ClusterGrpc.getCheckStateMethod(),
                ClusterGrpc.getDisarmAlarmMethod(), MaintenanceGrpc.getSnapshotMethod(),
                AuthGrpc.getAuthEnableMethod(), AuthGrpc.getAuthDisableMethod(), AuthGrpc.getUserAddMethod(),
                AuthGrpc.getUserDeleteMethod(), AuthGrpc.getUserGetMethod(), AuthGrpc.getUserListMethod(),
                AuthGrpc.getUserChangePasswordMethod(), AuthGrpc.getUserGrantRoleMethod(), AuthGrpc.getUserRevokeRoleMethod(),
                AuthGrpc.getRoleAddMethod(), AuthGrpc.getRoleDeleteMethod(), AuthGrpc.getRoleGetMethod(),
                AuthGrpc.getRoleListMethod(), AuthGrpc.getRoleGrantPermissionMethod(), AuthGrpc.getRoleRevokePermissionMethod())) {
            m.put(d.getFullMethodName(), Access.ADMIN);
        }
        return Map.copyOf(m);
    }

    /** What {@code method} needs while auth is enabled; null for a method the gate does not know (refused). */
    static Access classify(MethodDescriptor<?, ?> method) {
        // The standard health service (probes) stays open, whatever methods its version has.
        return HEALTH_SERVICE.equals(method.getServiceName()) ? Access.OPEN : METHODS.get(method.getFullMethodName());
    }

    /** Who is calling, and the auth store the call was checked against. */
    record Principal(String user, AuthState checkedAt) {
    }

    private final KvStateMachine state;
    private final boolean clientCertAuth;
    private final RequestValidator validate;

    AuthGate(KvStateMachine state, boolean clientCertAuth, ServerConfig.Limits limits) {
        this.state = state;
        this.clientCertAuth = clientCertAuth;
        this.validate = new RequestValidator(limits);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        AuthState st = state.auth();
        Access access = classify(call.getMethodDescriptor());
        if (access == Access.BATCH) {
            // Auth may be enabled while the stream lives: each op is checked when it arrives, not the stream.
            SSLSession tls = clientCertAuth ? call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) : null;
            return tls == null ? next.startCall(call, headers)
                    : Contexts.interceptCall(Context.current().withValue(TLS_SESSION, tls), call, headers, next);
        }
        if (!st.enabled()) {
            // Writes and sessions meet apply's revision check and reads KvService's; an admin call held open
            // across `auth enable` meets neither (a backup would carry the new signing key): look again when
            // it runs. Only admin calls, which are rare, pay for the wrapper while auth is off.
            return access == Access.ADMIN ? new Checked<>(next.startCall(call, headers), call, null, st.revision())
                    : next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        if (access == Access.OPEN) {
            return next.startCall(call, headers);
        }
        Principal p;
        try {
            p = new Principal(identify(st, bearer(headers.get(AUTHORIZATION)),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)), st);
            if (access == null) {
                throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, "method " + method + " is refused while auth "
                        + "is enabled: the auth gate has no rule for it");
            }
            if (access == Access.ADMIN) {
                String denied = AuthChecker.adminDenial(st, p.user(), method);
                if (denied != null) {
                    throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, denied);
                }
            }
        } catch (NodeException e) {
            close(call, e);
            return new ServerCall.Listener<>() {
            };
        }
        ServerCall.Listener<Q> inner = Contexts.interceptCall(Context.current().withValue(PRINCIPAL, p), call, headers, next);
        return new Checked<>(inner, call, access == Access.KEYS ? p : null, st.revision());
    }

    /**
     * {@code request} authorized at the auth revision its call was checked at (or, with auth off, the current
     * one): apply refuses it if users or roles changed since.
     *
     * @throws NodeException AUTH_STALE if auth was enabled after the call passed the gate unchecked
     */
    Request authorized(Request request, Principal checked) {
        AuthState st = state.auth();
        if (!st.enabled()) {
            // Also right for a call checked while auth was on: if auth comes back on before the apply, the
            // revision has moved past this one and apply refuses it.
            return st.revision() == request.authRevision() ? request : request.withAuthRevision(st.revision());
        }
        Principal p = principal(checked);
        return request.withAuth(p.checkedAt().revision(), p.user());
    }

    /** {@link #authorized(Request, Principal)} for the caller of the current gRPC call. */
    Request authorized(Request request) {
        return authorized(request, caller());
    }

    /** The auth revision a request was checked at (see {@link #authorized}); {@code checked} null: unchecked. */
    long revision(Principal checked) {
        AuthState st = state.auth();
        if (!st.enabled()) {
            // Also right for a call checked while auth was on: if auth comes back on before the apply, the
            // revision has moved past this one and apply refuses it.
            return st.revision();
        }
        return principal(checked).checkedAt().revision();
    }

    /**
     * Checks one op of a batch stream as the gate checks a unary call of its method: identity from the op's
     * token (or the stream's client certificate), then its keys. Null while auth is disabled (the op is
     * unchecked, as a unary call would be, and {@link #authorized} refuses it if auth is enabled meanwhile).
     *
     * @throws NodeException UNAUTHENTICATED, AUTH_STALE or PERMISSION_DENIED, as the unary call would fail
     */
    Principal checkOp(Object request, String token) {
        AuthState st = state.auth();
        if (!st.enabled()) {
            return null;
        }
        Principal p = new Principal(identify(st, token.isEmpty() ? null : token, TLS_SESSION.get()), st);
        String denied = AuthChecker.denial(st, p.user(), needs(request));
        if (denied != null) {
            throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, denied);
        }
        return p;
    }

    /** The caller the gate checked for the current gRPC call; null if it passed unchecked (auth off). */
    static Principal caller() {
        return PRINCIPAL.get();
    }

    /**
     * Refuses with AUTH_STALE if users or roles changed after the call was checked at {@code revision}
     * ({@link #revision}): for what is served without the log (reads), which apply cannot refuse. Call after
     * reading, as etcd does, so a read that waited (a ReadIndex round) never returns keys whose permission was
     * revoked while it waited.
     */
    void recheck(long revision) {
        AuthState st = state.auth();
        if (st.enabled() && st.revision() > revision) {
            throw stale(revision, st.revision());
        }
    }

    private static NodeException stale(long checkedAt, long now) {
        return NodeException.of(ErrorDetail.Code.AUTH_STALE, "users or roles changed while this request was served "
                + "(checked at auth revision " + checkedAt + ", now " + now + "): authenticate again and retry (not applied)");
    }

    /** The caller checked by the gate; AUTH_STALE if auth was enabled after the call passed it unchecked. */
    private static Principal principal(Principal p) {
        if (p == null) {
            throw NodeException.of(ErrorDetail.Code.AUTH_STALE, "auth was enabled while this request was on its way "
                    + "(not applied): authenticate and retry");
        }
        return p;
    }

    /** The caller's user name, or null when auth is off. */
    static String user() {
        Principal p = PRINCIPAL.get();
        return p == null ? null : p.user();
    }

    /** The token of an authorization header, or null without one. */
    private static String bearer(String header) {
        if (header != null && !header.startsWith(BEARER)) {
            throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "the authorization header must be 'Bearer <token>'");
        }
        return header == null ? null : header.substring(BEARER.length());
    }

    /** The user a token (null: none) or else a verified client certificate names. */
    private String identify(AuthState st, String token, SSLSession tls) {
        if (token != null) {
            Tokens.Check c = Tokens.verify(token, st, System.currentTimeMillis());
            if (c instanceof Tokens.Valid v) {
                if (!st.users().containsKey(v.user())) {
                    throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "user \"" + v.user() + "\" does not exist");
                }
                return v.user();
            }
            if (c instanceof Tokens.Stale s) {
                throw NodeException.of(ErrorDetail.Code.AUTH_STALE, s.why() + ": authenticate again (not applied)");
            }
            throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "invalid token: " + ((Tokens.Invalid) c).why());
        }
        if (clientCertAuth) {
            List<String> names = commonNames(tls);
            if (names.size() > 1) {
                // Libraries disagree on which one counts (Java's RDN order vs Go's last CN): guess none.
                throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "the client certificate's subject names "
                        + names.size() + " common names: it stands for no user (one CN per client certificate)");
            }
            if (names.size() == 1) {
                String cn = names.get(0);
                if (!st.users().containsKey(cn)) {
                    throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "the client certificate's common name \""
                            + cn + "\" is not a user");
                }
                return cn;
            }
        }
        throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "auth is enabled: authenticate (Auth.Authenticate) and "
                + "send the token as 'authorization: Bearer <token>'" + (clientCertAuth ? ", or present a client "
                + "certificate whose common name is a user" : ""));
    }

    /** Every common name of the verified client certificate's subject, multi-valued RDNs included. */
    private static List<String> commonNames(SSLSession session) {
        List<String> names = new ArrayList<>();
        if (session == null) {
            return names;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
                return names;
            }
            for (Rdn rdn : new LdapName(x.getSubjectX500Principal().getName()).getRdns()) {
                Attribute cn = rdn.toAttributes().get("CN");
                for (int i = 0; cn != null && i < cn.size(); i++) {
                    names.add(String.valueOf(cn.get(i)));
                }
            }
            return names;
        } catch (SSLPeerUnverifiedException | NamingException e) {
            return List.of();
        }
    }

    /** The keys and ranges a KV request reads and writes. */
    List<AuthChecker.Need> needs(Object request) {
        List<AuthChecker.Need> out = new ArrayList<>();
        if (request instanceof PutRequest r) {
            validate.key(r.getKey(), "key");
            out.add(AuthChecker.Need.key(AuthState.Access.WRITE, KvService.bytes(r.getKey())));
        } else if (request instanceof DeleteRequest r) {
            validate.key(r.getKey(), "key");
            out.add(AuthChecker.Need.key(AuthState.Access.WRITE, KvService.bytes(r.getKey())));
        } else if (request instanceof GetRequest r) {
            validate.key(r.getKey(), "key");
            out.add(AuthChecker.Need.key(AuthState.Access.READ, KvService.bytes(r.getKey())));
        } else if (request instanceof CompareAndSetRequest r) {
            validate.key(r.getKey(), "key");
            out.add(AuthChecker.Need.key(AuthState.Access.READ, KvService.bytes(r.getKey())));
            out.add(AuthChecker.Need.key(AuthState.Access.WRITE, KvService.bytes(r.getKey())));
        } else if (request instanceof ScanRequest r) {
            boolean prefix = !r.getPrefix().isEmpty() && r.getPageToken().isEmpty();
            out.add(AuthChecker.Need.range(AuthState.Access.READ, Wire.scanRange(r, validate), prefix));
        } else if (request instanceof TxnRequest r) {
            validate.txnSize(r.getComparesCount() + r.getSuccessCount() + r.getFailureCount());
            Command.Txn t = TxnMapper.toCommand(r, validate);
            t.compares().forEach(c -> out.add(AuthChecker.Need.key(AuthState.Access.READ, c.key())));
            // Both branches: which one runs is only known at apply.
            List<Command.Op> ops = new ArrayList<>(t.success());
            ops.addAll(t.failure());
            for (Command.Op op : ops) {
                if (op instanceof Command.Put p) {
                    out.add(AuthChecker.Need.key(AuthState.Access.WRITE, p.key()));
                } else if (op instanceof Command.Delete d) {
                    out.add(AuthChecker.Need.key(AuthState.Access.WRITE, d.key()));
                } else if (op instanceof Command.DeleteRange d) {
                    out.add(AuthChecker.Need.range(AuthState.Access.WRITE, d.range(), false));
                } else if (op instanceof Command.Range g) {
                    out.add(AuthChecker.Need.range(AuthState.Access.READ, g.range(), false));
                }
            }
        } else {
            // Only KEYS methods get here (classify); a request type without a rule is refused, never passed.
            throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, "no key rule for " + request.getClass().getSimpleName()
                    + ": refused while auth is enabled");
        }
        return out;
    }

    private static void close(ServerCall<?, ?> call, RuntimeException e) {
        StatusRuntimeException s = GrpcErrors.toStatus(e);
        call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
    }

    /**
     * Checks the request message of a KV call before the service sees it, and every gated call once more when
     * the service is about to run it (half-close): a client that holds a call open must not be served with
     * permissions revoked (or without the auth enabled) since its headers were checked.
     */
    private final class Checked<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, ?> call;
        /** Whose keys each request message is checked for; null: no per-message check. */
        private final Principal keys;
        private final long checkedAt;
        private boolean refused;

        Checked(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, Principal keys, long checkedAt) {
            super(delegate);
            this.call = call;
            this.keys = keys;
            this.checkedAt = checkedAt;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            if (keys != null) {
                try {
                    String denied = AuthChecker.denial(keys.checkedAt(), keys.user(), needs(message));
                    if (denied != null) {
                        throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, denied);
                    }
                } catch (NodeException e) {
                    refuse(e);
                    return;
                }
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (refused) {
                return;
            }
            AuthState now = state.auth();
            if (now.enabled() && now.revision() > checkedAt) {
                refuse(stale(checkedAt, now.revision()));
                return;
            }
            super.onHalfClose();
        }

        private void refuse(NodeException e) {
            refused = true;
            close(call, e);
        }
    }
}
