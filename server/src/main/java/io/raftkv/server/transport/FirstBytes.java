package io.raftkv.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of every connection to a gRPC port: looks at the first bytes before gRPC does. What a
 * gRPC client of that port sends (the HTTP/2 preface on a plaintext port, a TLS handshake record on a TLS
 * port) passes on untouched and this handler leaves the pipeline; anything else (an HTTP/1 request, random
 * bytes, TLS to a plaintext port, plaintext to a TLS port) is logged as one line with the remote address
 * ({@link JunkLog}) and the connection closed, where gRPC would have logged a stack trace without it. On a
 * TLS port it also reports a failed handshake (an unknown CA, no client certificate) the same way.
 */
final class FirstBytes extends ByteToMessageDecoder {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int TLS_HANDSHAKE = 0x16;
    private static final int TLS_MAJOR = 0x03;
    private static final List<String> HTTP1_METHODS = List.of("GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ",
            "PATCH ", "CONNECT ", "TRACE ");

    private final boolean tls;
    private final String listener;
    private final JunkLog junk;

    FirstBytes(boolean tls, String listener, JunkLog junk) {
        this.tls = tls;
        this.listener = listener;
        this.junk = junk;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        Verdict v = tls ? tlsVerdict(in) : prefaceVerdict(in);
        if (v == Verdict.WAIT) {
            return;
        }
        if (v == Verdict.ACCEPT) {
            if (tls) {
                watchHandshake(ctx);
            }
            ctx.pipeline().remove(this); // hands the bytes read so far on
            return;
        }
        junk.refused(listener, ctx.channel().remoteAddress(), describe(in) + " on a " + (tls ? "TLS" : "plaintext") + " port");
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    enum Verdict { ACCEPT, WAIT, REJECT }

    /** The HTTP/2 client preface, as far as it has arrived (four bytes tell it from anything else). */
    static Verdict prefaceVerdict(ByteBuf in) {
        int n = Math.min(in.readableBytes(), 4);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                return Verdict.REJECT;
            }
        }
        return n == 4 ? Verdict.ACCEPT : Verdict.WAIT;
    }

    /** A TLS record carrying a handshake message (a ClientHello), of TLS version 1.x. */
    static Verdict tlsVerdict(ByteBuf in) {
        int n = in.readableBytes();
        int r = in.readerIndex();
        if (n >= 1 && in.getUnsignedByte(r) != TLS_HANDSHAKE) {
            return Verdict.REJECT;
        }
        if (n >= 2 && in.getUnsignedByte(r + 1) != TLS_MAJOR) {
            return Verdict.REJECT;
        }
        return n >= 2 ? Verdict.ACCEPT : Verdict.WAIT;
    }

    /** What the peer sent, in words an operator recognises. */
    static String describe(ByteBuf in) {
        int n = Math.min(in.readableBytes(), 16);
        String head = in.toString(in.readerIndex(), n, StandardCharsets.ISO_8859_1);
        if (head.startsWith("PRI * HTTP/2")) {
            return "plaintext HTTP/2 (a gRPC client or peer without TLS)";
        }
        for (String m : HTTP1_METHODS) {
            if (head.startsWith(m)) {
                return "an HTTP/1 request";
            }
        }
        if (n >= 2 && in.getUnsignedByte(in.readerIndex()) == TLS_HANDSHAKE && in.getUnsignedByte(in.readerIndex() + 1) == TLS_MAJOR) {
            return "a TLS handshake (a client or peer with TLS)";
        }
        return "unrecognised bytes";
    }

    private void watchHandshake(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return;
        }
        ssl.handshakeFuture().addListener(f -> {
            if (!f.isSuccess() && !wentAway(f.cause())) {
                junk.refused(listener, ctx.channel().remoteAddress(), "TLS handshake failed: " + reason(f.cause()));
            }
        });
    }

    /**
     * Whether the handshake failed because the connection did (the client hung up, e.g. right after its last
     * handshake message while this side still wrote a session ticket), not because TLS refused anything.
     */
    static boolean wentAway(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ClosedChannelException || (c instanceof java.io.IOException && !(c instanceof javax.net.ssl.SSLException))) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message: "PKIX path building failed ..." rather than the wrappers around it. */
    static String reason(Throwable t) {
        String why = t.toString();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                why = c.getMessage();
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return why;
    }
}
