package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy against a plain TCP echo server. */
class LinkProxyTest {
    private ServerSocket echo;
    private Thread echoThread;
    private FaultProxy proxy;
    private final Link link = new Link(1, 2);

    @BeforeEach
    void setUp() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // The test closed or the proxy cut the connection.
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
        proxy = new FaultProxy(Map.of(1, 1, 2, echo.getLocalPort()));
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        proxy.close();
        echo.close();
        echoThread.join(5_000);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port(link)), 2_000);
        s.setSoTimeout(5_000);
        return s;
    }

    private static byte[] roundTrip(Socket s, String text) throws IOException {
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(msg);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(msg.length);
    }

    private static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void forwardsBothWays() throws IOException {
        try (Socket s = connect()) {
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), roundTrip(s, "hello"));
            assertArrayEquals("again".getBytes(StandardCharsets.UTF_8), roundTrip(s, "again"));
        }
    }

    @Test
    void onlyItsOwnLinkExists() {
        assertThrows(IllegalArgumentException.class, () -> proxy.port(new Link(1, 3)));
        assertTrue(proxy.port(new Link(2, 1)) > 0);
    }

    @Test
    void blockingCutsOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        LinkProxy p = proxy.links().stream().filter(l -> l.link().equals(link)).findFirst().orElseThrow();
        try (Socket s = connect()) {
            roundTrip(s, "x");
            proxy.set(link, LinkFaults.BLOCKED);
            // The open connection is reset: reading ends with an error or end of stream, never data.
            assertEndOfStream(s);
        }
        try (Socket s = connect()) {
            assertEndOfStream(s);
        }
        proxy.healAll();
        await(() -> p.openConnections() == 0, "cut connections to be gone");
        try (Socket s = connect()) {
            assertArrayEquals("back".getBytes(StandardCharsets.UTF_8), roundTrip(s, "back"));
        }
    }

    @Test
    void delayHoldsDataForwardOnly() throws IOException {
        proxy.set(link, LinkFaults.slow(300, 0));
        try (Socket s = connect()) {
            long start = System.nanoTime();
            roundTrip(s, "slow");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 300, "round trip took " + ms + " ms, expected the 300 ms delay");
            // Order is kept under jitter.
            proxy.set(link, LinkFaults.slow(5, 50));
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                String piece = i + ",";
                expected.append(piece);
                s.getOutputStream().write(piece.getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            }
            byte[] got = s.getInputStream().readNBytes(expected.length());
            assertEquals(expected.toString(), new String(got, StandardCharsets.UTF_8));
        }
    }

    @Test
    void lossCutsTheConnection() throws IOException {
        proxy.set(link, LinkFaults.lossy(1.0));
        try (Socket s = connect()) {
            s.getOutputStream().write(1);
            s.getOutputStream().flush();
            assertEndOfStream(s);
        }
    }

    private static void assertEndOfStream(Socket s) {
        try {
            int b = s.getInputStream().read();
            assertEquals(-1, b, "expected the connection to end");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was not cut", e);
        } catch (IOException e) {
            // Reset by the proxy: cut, as expected.
        }
    }
}
