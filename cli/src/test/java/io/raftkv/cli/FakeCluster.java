package io.raftkv.cli;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.raftkv.launcher.ServerLauncher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Fake nodes ({@link FakeNode}) serving real gRPC on loopback ports, so the CLI reaches them exactly as real
 * nodes, through the client library.
 */
final class FakeCluster implements AutoCloseable {
    final FakeNode.Shared shared = new FakeNode.Shared();
    final List<FakeNode> nodes = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();

    FakeCluster(int size, long leaderId) {
        for (int i = 1; i <= size; i++) {
            int port = freePort();
            FakeNode n = new FakeNode(i, "127.0.0.1:" + port, shared);
            nodes.add(n);
            try {
                servers.add(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                        .addService(n.kv()).addService(n.cluster()).build().start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        shared.nodes = List.copyOf(nodes);
        shared.leaderId = leaderId;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeNode node(long id) {
        return nodes.get((int) id - 1);
    }

    String endpoints() {
        return String.join(",", nodes.stream().map(n -> n.address).toList());
    }

    /** One CLI invocation's result; {@code out} decoded as UTF-8, {@code outBytes} exact. */
    record Result(int code, String out, String err, byte[] outBytes) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(Map<String, String> env, Path cwd, String... args) {
        return run(env, cwd, new byte[0], () -> {
            throw new AssertionError("no node launching in this test");
        }, args);
    }

    static Result run(Map<String, String> env, Path cwd, byte[] stdin, Supplier<ServerLauncher> launcher, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin), env, cwd, launcher);
        int code = Main.run(args, ctx);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }

    /** Node {@code id} stops answering: its port refuses connections, as a killed node's does. */
    void stop(long id) throws InterruptedException {
        Server s = servers.get((int) id - 1);
        s.shutdownNow();
        s.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        for (Server s : servers) {
            s.shutdownNow();
        }
        for (Server s : servers) {
            s.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
