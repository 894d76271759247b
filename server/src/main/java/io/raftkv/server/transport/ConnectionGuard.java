package io.raftkv.server.transport;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AsciiString;
import java.util.concurrent.Executor;
import java.util.logging.LogRecord;

/**
 * Puts {@link FirstBytes} in front of every connection of a gRPC server, so junk and failed handshakes cost one
 * log line with the remote address instead of gRPC's stack trace without it.
 *
 * <p>gRPC offers no public hook into a server connection's pipeline, so this wraps the protocol negotiator
 * that the server credentials produce, through grpc-netty's {@code Internal*} classes (public, marked for use
 * by gRPC's own modules; a gRPC upgrade that changes them fails {@code ConnectionGuardTest}). The TLS itself
 * stays gRPC's: the wrapped negotiator is exactly what the credentials would have made.
 *
 * <p>gRPC also logs each failed connection ("Transport failed", the junk's exception with its stack trace) on
 * the java.util.logging logger {@code io.grpc.netty.NettyServerTransport.connections}. A filter there drops the
 * failures {@code FirstBytes} already reported and turns any other into one rate-limited line.
 */
final class ConnectionGuard {
    private static final java.util.logging.Logger GRPC_CONNECTIONS =
            java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport.connections");
    /** Failures gRPC logs that no guard could attribute to an address: one line a minute for all of them. */
    private static final JunkLog UNATTRIBUTED = new JunkLog();

    static {
        GRPC_CONNECTIONS.setFilter(ConnectionGuard::oneLine);
    }

    private ConnectionGuard() {
    }

    /** {@code credentials} with every connection first checked by {@link FirstBytes}, reporting to {@code junk}. */
    static ServerCredentials wrap(ServerCredentials credentials, String listener, JunkLog junk) {
        boolean tls = credentials instanceof TlsServerCredentials;
        InternalProtocolNegotiator.ServerFactory inner = InternalNettyServerCredentials.toNegotiator(credentials);
        return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> offload) {
                return new Guarded(inner.newNegotiator(offload), tls, listener, junk);
            }
        });
    }

    /** gRPC's negotiator, with {@link FirstBytes} added in front of the handlers it installs. */
    private static final class Guarded implements InternalProtocolNegotiator.ProtocolNegotiator {
        private final InternalProtocolNegotiator.ProtocolNegotiator inner;
        private final boolean tls;
        private final String listener;
        private final JunkLog junk;

        Guarded(InternalProtocolNegotiator.ProtocolNegotiator inner, boolean tls, String listener, JunkLog junk) {
            this.inner = inner;
            this.tls = tls;
            this.listener = listener;
            this.junk = junk;
        }

        @Override
        public AsciiString scheme() {
            return inner.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            ChannelHandler negotiation = inner.newHandler(grpcHandler);
            return new ChannelHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    ctx.pipeline().addBefore(ctx.name(), null, new FirstBytes(tls, listener, junk));
                    ctx.pipeline().replace(this, null, negotiation);
                }
            };
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** The filter on gRPC's connection log: never its stack trace. */
    static boolean oneLine(LogRecord r) {
        Throwable t = r.getThrown();
        if (t == null) {
            return true;
        }
        if (!reportedByGuard(t)) {
            UNATTRIBUTED.emit("unknown addresses", "a gRPC connection failed: " + FirstBytes.reason(t));
        }
        return false;
    }

    /** Handshake failures and preface errors: {@link FirstBytes} logged them with the address. */
    private static boolean reportedByGuard(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException || c instanceof io.netty.handler.ssl.NotSslRecordException) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && (m.contains("client preface") || m.contains("HTTP/1.x request"))) {
                return true;
            }
        }
        return false;
    }
}
