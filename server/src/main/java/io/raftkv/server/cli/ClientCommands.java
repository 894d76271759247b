package io.raftkv.server.cli;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.Consistency;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.KeyValue;
import io.raftkv.proto.Member;
import io.raftkv.proto.MembersRequest;
import io.raftkv.proto.MembersResponse;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.Role;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.proto.TransferLeadershipResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The client commands. Keys and values are UTF-8 text on the command line and printed as UTF-8.
 * Output lines are a contract (the README and the end-to-end test read them):
 *
 * <pre>
 * put K V            OK index=&lt;n&gt;
 * get K              &lt;value&gt;                              or (not found), exit 1
 * del K              OK index=&lt;n&gt; deleted=true|false
 * cas K EXP NEW      OK index=&lt;n&gt; version=&lt;v&gt;            or FAILED (absent) | FAILED version=&lt;v&gt; value=&lt;value&gt;, exit 1
 * scan PREFIX        &lt;key&gt;\t&lt;value&gt; per line
 * status             table ENDPOINT ID ROLE TERM LEADER COMMIT APPLIED (exit 1 if an endpoint did not answer)
 * members            table ID PEER CLIENT ROLE
 * transfer ID        OK leader=&lt;id&gt;
 * </pre>
 */
final class ClientCommands {
    private ClientCommands() {
    }

    /** Options every client command shares. */
    static final class ClientOptions {
        @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
                description = "Client addresses to try (default: $RAFTKV_ENDPOINTS, else DIR/endpoints of the local cluster).")
        String endpoints;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
                description = "Overall deadline including retries and redirects (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Use the endpoints of the local cluster in DIR (default, after $RAFTKV_ENDPOINTS: .local-cluster).")
        Path dir;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        ClusterClient client(CliContext ctx) {
            Endpoints.Resolved r = Endpoints.resolve(endpoints, dir == null ? null : ctx.resolve(dir), ctx.env(),
                    ctx.resolve(Path.of(LocalCommands.DEFAULT_DIR)));
            return new ClusterClient(r.endpoints(), timeout, ctx.channels());
        }
    }

    static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static String text(ByteString b) {
        return b.toStringUtf8();
    }

    @Command(name = "put", description = "Write a value: prints OK index=<n>.")
    static final class Put implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        Put(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PutRequest req = PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
            try (ClusterClient c = options.client(ctx)) {
                PutResponse r = c.call(ClusterClient.Kind.WRITE,
                        (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).put(req));
                ctx.out().println("OK index=" + r.getHeader().getIndex());
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Read a value: prints it, or (not found) with exit 1.")
    static final class Get implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Option(names = "--serializable", description = "Read the answering node's replica (possibly stale, needs no quorum).")
        boolean serializable;

        Get(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            GetRequest req = GetRequest.newBuilder().setKey(bytes(key)).setConsistency(consistency(serializable)).build();
            try (ClusterClient c = options.client(ctx)) {
                GetResponse r = c.call(ClusterClient.Kind.READ,
                        (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).get(req));
                if (!r.getFound()) {
                    ctx.out().println("(not found)");
                    return 1;
                }
                ctx.out().println(text(r.getKv().getValue()));
            }
            return 0;
        }
    }

    @Command(name = "del", description = "Delete a key: prints OK index=<n> deleted=true|false.")
    static final class Del implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        Del(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            DeleteRequest req = DeleteRequest.newBuilder().setKey(bytes(key)).build();
            try (ClusterClient c = options.client(ctx)) {
                DeleteResponse r = c.call(ClusterClient.Kind.WRITE,
                        (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).delete(req));
                ctx.out().println("OK index=" + r.getHeader().getIndex() + " deleted=" + r.getDeleted());
            }
            return 0;
        }
    }

    @Command(name = "cas", description = {"Compare and set: write NEW only if the value is EXPECTED ('-' means the key is absent).",
            "Prints OK index=<n> version=<v>, or FAILED ... with exit 1."})
    static final class Cas implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "KEY")
        String key;
        @Parameters(index = "1", paramLabel = "EXPECTED")
        String expected;
        @Parameters(index = "2", paramLabel = "NEW")
        String newValue;

        Cas(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            CompareAndSetRequest.Builder b = CompareAndSetRequest.newBuilder().setKey(bytes(key)).setNewValue(bytes(newValue));
            if (expected.equals("-")) {
                b.setExpectedVersion(0);
            } else {
                b.setExpectedValue(bytes(expected));
            }
            CompareAndSetRequest req = b.build();
            try (ClusterClient c = options.client(ctx)) {
                CompareAndSetResponse r = c.call(ClusterClient.Kind.WRITE,
                        (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).compareAndSet(req));
                if (r.getSucceeded()) {
                    ctx.out().println("OK index=" + r.getHeader().getIndex() + " version=" + r.getKv().getVersion());
                    return 0;
                }
                ctx.out().println(r.getFound()
                        ? "FAILED version=" + r.getKv().getVersion() + " value=" + text(r.getKv().getValue())
                        : "FAILED (absent)");
                return 1;
            }
        }
    }

    @Command(name = "scan", description = "List keys with a prefix in key order, one '<key><TAB><value>' per line.")
    static final class Scan implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "PREFIX", defaultValue = "", description = "Key prefix (default: all keys).")
        String prefix;
        @Option(names = "--limit", paramLabel = "N", description = "Print at most N keys (default: all).")
        Integer limit;
        @Option(names = "--serializable", description = "Read the answering node's replica (possibly stale).")
        boolean serializable;

        /** Page size when the user set a limit; without one the server's default page size applies. */
        private static final int PAGE = 1000;

        Scan(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (limit != null && limit <= 0) {
                throw CliException.usage("--limit must be positive, got " + limit);
            }
            long printed = 0;
            ByteString token = ByteString.EMPTY;
            try (ClusterClient c = options.client(ctx)) {
                do {
                    ScanRequest.Builder b = ScanRequest.newBuilder().setPrefix(bytes(prefix)).setPageToken(token)
                            .setConsistency(consistency(serializable));
                    if (limit != null) {
                        b.setLimit((int) Math.min(PAGE, limit - printed));
                    }
                    ScanRequest req = b.build();
                    ScanResponse r = c.call(ClusterClient.Kind.READ,
                            (ch, dl) -> KVGrpc.newBlockingStub(ch).withDeadline(dl).scan(req));
                    for (KeyValue kv : r.getKvsList()) {
                        if (limit != null && printed >= limit) {
                            break;
                        }
                        ctx.out().println(text(kv.getKey()) + "\t" + text(kv.getValue()));
                        printed++;
                    }
                    token = r.getNextPageToken();
                } while (!token.isEmpty() && (limit == null || printed < limit));
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Ask every endpoint for its status, one line each (exit 1 if one did not answer).")
    static final class StatusCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        StatusCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            Table t = new Table("ENDPOINT", "ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED");
            List<String> notes = new ArrayList<>();
            int missing = 0;
            try (ClusterClient c = options.client(ctx)) {
                Duration each = min(options.timeout, Duration.ofSeconds(3));
                for (String ep : c.endpoints()) {
                    try {
                        StatusResponse s = c.callAt(ep, each,
                                (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).status(StatusRequest.getDefaultInstance()));
                        t.row(ep, Long.toString(s.getId()), role(s.getRole()), Long.toString(s.getTerm()),
                                s.getLeaderId() == 0 ? "-" : Long.toString(s.getLeaderId()),
                                Long.toString(s.getCommitIndex()), Long.toString(s.getAppliedIndex()));
                        if (!s.getStorageFailure().isEmpty()) {
                            notes.add("node " + s.getId() + ": storage failed: " + s.getStorageFailure());
                        }
                    } catch (StatusRuntimeException e) {
                        missing++;
                        t.row(ep, "-", "unreachable", "-", "-", "-", "-");
                        notes.add(ep + ": " + ClusterClient.describe(e, ClusterClient.detail(e)));
                    }
                }
            }
            t.print(ctx.out());
            notes.forEach(ctx.err()::println);
            return missing == 0 ? 0 : 1;
        }
    }

    @Command(name = "members", description = "List the cluster's members (table ID PEER CLIENT ROLE).")
    static final class Members implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        Members(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (ClusterClient c = options.client(ctx)) {
                MembersResponse r = c.call(ClusterClient.Kind.READ,
                        (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).members(MembersRequest.getDefaultInstance()));
                Table t = new Table("ID", "PEER", "CLIENT", "ROLE");
                for (Member m : r.getMembersList()) {
                    String role = m.getId() == r.getLeaderId() ? "leader" : m.getLearner() ? "learner" : "voter";
                    t.row(Long.toString(m.getId()), dash(m.getPeerAddress()), dash(m.getClientAddress()), role);
                }
                t.print(ctx.out());
            }
            return 0;
        }
    }

    @Command(name = "transfer", description = "Ask the leader to hand leadership to node ID (0: the most up-to-date follower).")
    static final class Transfer implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "ID")
        long target;

        Transfer(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (target < 0) {
                throw CliException.usage("ID must be a node id or 0, got " + target);
            }
            TransferLeadershipRequest req = TransferLeadershipRequest.newBuilder().setTargetId(target).build();
            try (ClusterClient c = options.client(ctx)) {
                // READ: a repeated transfer request is harmless (it names the same target).
                TransferLeadershipResponse r = c.call(ClusterClient.Kind.READ,
                        (ch, dl) -> ClusterGrpc.newBlockingStub(ch).withDeadline(dl).transferLeadership(req));
                ctx.out().println("OK leader=" + r.getLeaderId());
            }
            return 0;
        }
    }

    static Consistency consistency(boolean serializable) {
        return serializable ? Consistency.SERIALIZABLE : Consistency.LINEARIZABLE;
    }

    /** leader, follower, candidate, pre-candidate. */
    static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
