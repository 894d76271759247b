package io.raftkv.cli;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A node process for testing {@code raftkv local ...} before (and independently of) the real server:
 * takes the same {@code server --id --initial-cluster --client-addr ...} flags, serves {@link FakeNode}
 * on the client address over real gRPC, and claims that the lowest id leads. It exits on SIGTERM like
 * any JVM.
 */
public final class FakeNodeMain {
    private FakeNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        long id = Long.parseLong(flag(args, "--id"));
        String clientAddr = flag(args, "--client-addr");
        FakeNode.Shared shared = new FakeNode.Shared();
        List<FakeNode> nodes = new ArrayList<>();
        long lowest = Long.MAX_VALUE;
        for (String entry : flag(args, "--initial-cluster").split(",")) {
            long member = Long.parseLong(entry.substring(0, entry.indexOf('=')));
            String peer = entry.substring(entry.indexOf('=') + 1);
            int peerPort = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
            // Other members' client addresses only feed redirects; the default layout's offset is a good
            // enough guess (the tests list the leader's endpoint first, so they never depend on it).
            String client = member == id ? clientAddr : "127.0.0.1:" + (peerPort + Ports.CLIENT_OFFSET);
            nodes.add(new FakeNode(member, client, shared));
            lowest = Math.min(lowest, member);
        }
        shared.nodes = List.copyOf(nodes);
        shared.leaderId = lowest;
        FakeNode self = nodes.stream().filter(n -> n.id == id).findFirst().orElseThrow();
        int port = Integer.parseInt(clientAddr.substring(clientAddr.lastIndexOf(':') + 1));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(self.kv()).addService(self.cluster()).build().start();
        System.out.println("fake node " + id + " serving on " + clientAddr);
        server.awaitTermination();
    }

    private static String flag(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        throw new IllegalArgumentException("missing " + name);
    }
}
