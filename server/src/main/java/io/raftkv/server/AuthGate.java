package io.raftkv.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
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
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authentication and authorization on the client port: one interceptor in front of every client service.
 *
 * <ol>
 *   <li>Auth disabled: the call passes untouched (one volatile read of the auth store).</li>
 *   <li>Open methods (status, members, health, Authenticate, AuthStatus) pass.</li>
 *   <li>Identity: the bearer token in {@code authorization} ({@link Tokens}); without one, on a port with
 *       {@code --client-cert-auth}, the verified client certificate's common name (as etcd). Otherwise
 *       UNAUTHENTICATED; an expired token or one older than the auth store's revision is AUTH_STALE.</li>
 *   <li>Admin methods (membership, transfer, alarms, corruption check, backups, the auth admin RPCs) need
 *       the root role.</li>
 *   <li>KV methods: when the request message arrives, its keys and ranges are checked
 *       ({@link AuthChecker}); a refusal closes the call with PERMISSION_DENIED before the service sees it.</li>
 * </ol>
 *
 * The auth revision the check ran at travels in the call's {@link Context} to the proposal
 * ({@link #authorized}), and apply refuses the proposal if users or roles changed in between.
 */
final class AuthGate implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    private static final Context.Key<Principal> PRINCIPAL = Context.key("raftkv-principal");
    private static final Set<String> OPEN = Set.of(
            ClusterGrpc.getStatusMethod().getFullMethodName(),
            ClusterGrpc.getMembersMethod().getFullMethodName(),
            AuthGrpc.getAuthenticateMethod().getFullMethodName(),
            AuthGrpc.getAuthStatusMethod().getFullMethodName());
    private static final String HEALTH_SERVICE = "grpc.health.v1.Health";

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
        if (!st.enabled()) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        String service = call.getMethodDescriptor().getServiceName();
        if (OPEN.contains(method) || HEALTH_SERVICE.equals(service)) {
            return next.startCall(call, headers);
        }
        Principal p;
        try {
            p = new Principal(identify(st, call, headers), st);
            if (!KVGrpc.SERVICE_NAME.equals(service)) {
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
        return KVGrpc.SERVICE_NAME.equals(service) ? new Checked<>(inner, call, p) : inner;
    }

    /**
     * {@code request} authorized at the auth revision its call was checked at (or, with auth off, the current
     * one): apply refuses it if users or roles changed since.
     *
     * @throws NodeException AUTH_STALE if auth was enabled after the call passed the gate unchecked
     */
    Request authorized(Request request) {
        AuthState st = state.auth();
        if (!st.enabled()) {
            // Also right for a call checked while auth was on: if auth comes back on before the apply, the
            // revision has moved past this one and apply refuses it.
            return st.revision() == request.authRevision() ? request : request.withAuthRevision(st.revision());
        }
        Principal p = principal();
        return request.withAuth(p.checkedAt().revision(), p.user());
    }

    /** The auth revision this call was checked at (see {@link #authorized}); call on the call's thread. */
    long revision() {
        AuthState st = state.auth();
        if (!st.enabled()) {
            // Also right for a call checked while auth was on: if auth comes back on before the apply, the
            // revision has moved past this one and apply refuses it.
            return st.revision();
        }
        return principal().checkedAt().revision();
    }

    /** The caller checked by the gate; AUTH_STALE if auth was enabled after the call passed it unchecked. */
    private static Principal principal() {
        Principal p = PRINCIPAL.get();
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

    private String identify(AuthState st, ServerCall<?, ?> call, Metadata headers) {
        String auth = headers.get(AUTHORIZATION);
        if (auth != null) {
            if (!auth.startsWith(BEARER)) {
                throw NodeException.of(ErrorDetail.Code.UNAUTHENTICATED, "the authorization header must be 'Bearer <token>'");
            }
            Tokens.Check c = Tokens.verify(auth.substring(BEARER.length()), st, System.currentTimeMillis());
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
            String cn = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            if (cn != null) {
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

    private static String commonName(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
                return null;
            }
            for (Rdn rdn : new LdapName(x.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return null;
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
        }
        // Sessions (open, keep-alive, close) need only an authenticated user.
        return out;
    }

    private static void close(ServerCall<?, ?> call, RuntimeException e) {
        StatusRuntimeException s = GrpcErrors.toStatus(e);
        call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
    }

    /** Checks the request message of a KV call before the service sees it. */
    private final class Checked<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, ?> call;
        private final Principal principal;
        private boolean refused;

        Checked(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, Principal principal) {
            super(delegate);
            this.call = call;
            this.principal = principal;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            try {
                String denied = AuthChecker.denial(principal.checkedAt(), principal.user(), needs(message));
                if (denied != null) {
                    throw NodeException.of(ErrorDetail.Code.PERMISSION_DENIED, denied);
                }
            } catch (NodeException e) {
                refused = true;
                close(call, e);
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }
    }
}
