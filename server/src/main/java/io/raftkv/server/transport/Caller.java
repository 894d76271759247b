package io.raftkv.server.transport;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is on the other end of a call to this node's peer server, from the connection it came on: its address
 * and, with peer TLS, the members its verified certificate names ({@link MemberIdentity}). Every RaftPeer
 * method checks the member id a request claims against it, so a certificate of member 2 cannot speak for 3.
 *
 * @param remote   the caller's address, for logs
 * @param members  the member ids the caller's certificate names
 * @param checked  whether claims are checked (peer TLS on); in plaintext anyone may claim anything
 */
record Caller(String remote, Set<Long> members, boolean checked) {
    static final Context.Key<Caller> KEY = Context.key("raftkv-peer-caller");
    /**
     * A call that did not pass the interceptor: a wiring mistake (the service served without
     * {@link PeerTransport#service()}, or a callback that lost its gRPC context). It may speak for no one: with
     * peer TLS on, failing open here would let any certificate holder speak for every member.
     */
    private static final Caller UNWIRED = new Caller("a call that bypassed the peer server's caller check", Set.of(), true);

    Caller {
        members = Set.copyOf(members);
    }

    /** The caller of the call this thread is serving; one that may speak for no one if the call was not intercepted. */
    static Caller current() {
        Caller c = KEY.get();
        return c == null ? UNWIRED : c;
    }

    /** Why this caller may not speak for member {@code from} to node {@code self}; null if it may. */
    String cannotSpeakFor(long from, long self) {
        if (!checked || members.contains(from)) {
            return null;
        }
        if (this == UNWIRED) {
            return "node " + self + " refuses traffic claiming to come from node " + from + " on " + remote
                    + " (a wiring bug: the peer service must be served through PeerTransport.service())";
        }
        return "node " + self + " refuses traffic claiming to come from node " + from + " over a connection from "
                + remote + " whose certificate " + (members.isEmpty() ? "names no member (a SAN URI "
                + MemberIdentity.URI_PREFIX + "<id>)" : "is for member " + String.join(",", members.stream()
                .map(String::valueOf).toList()));
    }

    /** Puts the {@link Caller} of every call into its context; {@code tls}: the peer server speaks mutual TLS. */
    static ServerInterceptor interceptor(boolean tls) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                Caller c = new Caller(remote == null ? "an unknown address" : remote.toString().replaceFirst("^/", ""),
                        tls ? membersOf(session) : Set.of(), tls);
                return Contexts.interceptCall(Context.current().withValue(KEY, c), call, headers, next);
            }
        };
    }

    private static Set<Long> membersOf(SSLSession session) {
        if (session == null) {
            return Set.of();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? MemberIdentity.of(leaf) : Set.of();
        } catch (SSLPeerUnverifiedException e) {
            return Set.of();
        }
    }
}
