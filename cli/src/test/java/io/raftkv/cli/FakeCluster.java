package io.raftkv.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process fake nodes named like host:port endpoints ("127.0.0.1:19001"), so the CLI resolves and
 * dials them exactly as real ones, but through grpc-inprocess channels.
 */
final class FakeCluster implements AutoCloseable {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    final FakeNode.Shared shared = new FakeNode.Shared();
    final List<FakeNode> nodes = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();

    FakeCluster(int size, long leaderId) {
        // In-process server names are JVM-global: each fake cluster gets its own block of "ports".
        int base = 20000 + CLUSTERS.getAndIncrement() * 10;
        for (int i = 1; i <= size; i++) {
            FakeNode n = new FakeNode(i, "127.0.0.1:" + (base + i), shared);
            nodes.add(n);
            try {
                servers.add(InProcessServerBuilder.forName(n.address).directExecutor()
                        .addService(n.kv()).addService(n.cluster()).build().start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        shared.nodes = List.copyOf(nodes);
        shared.leaderId = leaderId;
    }

    FakeNode node(long id) {
        return nodes.get((int) id - 1);
    }

    String endpoints() {
        return String.join(",", nodes.stream().map(n -> n.address).toList());
    }

    static ManagedChannel channel(String endpoint) {
        return InProcessChannelBuilder.forName(endpoint).directExecutor().build();
    }

    /** One CLI invocation's result. */
    record Result(int code, String out, String err) {
    }

    static Result run(Map<String, String> env, Path cwd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), env, cwd,
                FakeCluster::channel, () -> {
                    throw new AssertionError("no node launching in this test");
                });
        int code = Main.run(args, ctx);
        return new Result(code, out.toString(), err.toString());
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
