package io.raftkv.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftkv.server.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Junk connections (issue 13 item 4): one line with the remote address, at most one per host per minute with
 * the rest counted, and none of gRPC's stack traces. Before the guard, each of these connections logged 27
 * lines of "Transport failed" with an Http2Exception and no address.
 */
class ConnectionGuardTest {
    private static final byte[] HTTP1 = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RANDOM = {0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0};
    private static final byte[] CLIENT_HELLO_START = {0x16, 0x03, 0x01, 0x00, 0x2a, 0x01, 0x00, 0x00, 0x26, 0x03, 0x03};

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final List<LogRecord> grpcRecords = new ArrayList<>();
    private final Handler grpcHandler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (grpcRecords) {
                grpcRecords.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final java.util.logging.Logger grpcConnections =
            java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport.connections");

    @BeforeEach
    void capture() {
        lines.start();
        ((Logger) LoggerFactory.getLogger(JunkLog.LOG.getName())).addAppender(lines);
        grpcConnections.addHandler(grpcHandler);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger(JunkLog.LOG.getName())).detachAppender(lines);
        grpcConnections.removeHandler(grpcHandler);
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void whatArrivedIsToldApartInTheOperatorsWords() {
        assertEquals("an HTTP/1 request", FirstBytes.describe(buf(HTTP1)));
        assertEquals("plaintext HTTP/2 (a gRPC client or peer without TLS)", FirstBytes.describe(buf(PREFACE)));
        assertEquals("a TLS handshake (a client or peer with TLS)", FirstBytes.describe(buf(CLIENT_HELLO_START)));
        assertEquals("unrecognised bytes", FirstBytes.describe(buf(RANDOM)));

        assertEquals(FirstBytes.Verdict.ACCEPT, FirstBytes.prefaceVerdict(buf(PREFACE)));
        assertEquals(FirstBytes.Verdict.WAIT, FirstBytes.prefaceVerdict(buf("PR".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(FirstBytes.Verdict.REJECT, FirstBytes.prefaceVerdict(buf(HTTP1)));
        assertEquals(FirstBytes.Verdict.REJECT, FirstBytes.prefaceVerdict(buf(CLIENT_HELLO_START)));
        assertEquals(FirstBytes.Verdict.ACCEPT, FirstBytes.tlsVerdict(buf(CLIENT_HELLO_START)));
        assertEquals(FirstBytes.Verdict.WAIT, FirstBytes.tlsVerdict(buf(new byte[] {0x16})));
        assertEquals(FirstBytes.Verdict.REJECT, FirstBytes.tlsVerdict(buf(PREFACE)));
        assertEquals(FirstBytes.Verdict.REJECT, FirstBytes.tlsVerdict(buf(RANDOM)));
    }

    @Test
    void oneLinePerHostAndMinuteAndTheRestIsCounted() {
        AtomicLong now = new AtomicLong();
        JunkLog junk = new JunkLog(now::get, Duration.ofMinutes(1));
        InetSocketAddress a = new InetSocketAddress("10.0.0.1", 40000);
        for (int i = 0; i < 5; i++) {
            junk.refused("client", new InetSocketAddress("10.0.0.1", 40000 + i), "an HTTP/1 request on a plaintext port");
        }
        junk.refused("peer", new InetSocketAddress("10.0.0.2", 50000), "unrecognised bytes on a TLS port");
        assertEquals(List.of("refused a connection from 10.0.0.1:40000 to the client port: an HTTP/1 request on a plaintext port",
                "refused a connection from 10.0.0.2:50000 to the peer port: unrecognised bytes on a TLS port"), messages());

        now.addAndGet(Duration.ofSeconds(59).toNanos());
        junk.refused("client", a, "an HTTP/1 request on a plaintext port");
        assertEquals(2, messages().size(), "still within the minute");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        junk.refused("client", a, "an HTTP/1 request on a plaintext port");
        assertEquals("refused a connection from 10.0.0.1:40000 to the client port: an HTTP/1 request on a plaintext port "
                + "(5 more from 10.0.0.1 in the last minute, not logged)", messages().get(2));
    }

    @Test
    void junkOnAPlaintextAndOnATlsPortCostsOneLineWithTheAddressAndNoStackTrace() throws Exception {
        TestPki pki = TestPki.create(dir, "a");
        TestPki.Issued member = pki.member(1);
        PeerTls tls = PeerTls.mutual(new TlsFiles(member.certFile(), member.keyFile(), pki.caFile()));
        JunkLog junk = new JunkLog();
        Server plain = serve(ConnectionGuard.wrap(InsecureServerCredentials.create(), "client", junk));
        Server secure = serve(ConnectionGuard.wrap(tls.serverCredentials(), "peer", new JunkLog()));
        try {
            for (byte[] bytes : List.of(HTTP1, RANDOM, CLIENT_HELLO_START)) {
                assertClosedByServer(plain.getPort(), bytes);
            }
            assertTlsRefusedBy(plain.getPort());
            assertClosedByServer(secure.getPort(), PREFACE);
            assertClosedByServer(secure.getPort(), HTTP1);
            // A real handshake without a client certificate: refused by TLS, reported the same way.
            assertTlsRefusedBy(secure.getPort());

            List<String> got = messages();
            assertEquals(2, got.size(), "one line per port's guard for these connections from one host: " + got);
            assertTrue(got.get(0).startsWith("refused a connection from 127.0.0.1:") && got.get(0).contains("to the client port: "
                    + "an HTTP/1 request on a plaintext port"), got.get(0));
            assertTrue(got.get(1).contains("to the peer port: plaintext HTTP/2 (a gRPC client or peer without TLS) on a TLS port"),
                    got.get(1));
            synchronized (grpcRecords) {
                assertEquals(List.of(), grpcRecords.stream().map(r -> r.getMessage() + " " + r.getThrown()).toList(),
                        "gRPC's own connection log stays quiet");
            }
        } finally {
            plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            secure.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Server serve(ServerCredentials creds) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), creds)
                .addService(new io.grpc.protobuf.services.HealthStatusManager().getHealthService())
                .build().start();
    }

    /** Sends {@code bytes} and expects the server to hang up (end of stream or a reset), not to wait for more. */
    private static void assertClosedByServer(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            try {
                int b;
                do {
                    b = in.read();
                } while (b >= 0);
            } catch (java.net.SocketException reset) {
                // closed with unread data in flight: a reset is a close too
            }
        }
    }

    private static void assertTlsRefusedBy(int port) throws Exception {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {new TrustAll()}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            assertThrows(IOException.class, () -> {
                s.startHandshake();
                // TLS 1.3: the client may finish first and hear about its missing certificate on its first read.
                s.getOutputStream().write(PREFACE);
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            });
        }
    }

    private static ByteBuf buf(byte[] b) {
        return Unpooled.wrappedBuffer(b);
    }

    /** The test's TLS client takes any server certificate: it is the server's refusal under test. */
    private static final class TrustAll implements javax.net.ssl.X509TrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }
}
