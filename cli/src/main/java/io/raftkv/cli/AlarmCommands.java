package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.client.ClusterStatus;
import io.raftkv.client.RaftKvClient;
import io.raftkv.client.StateCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv alarm list|disarm} (etcdctl's) and {@code raftkv check state} (the corruption check, now).
 *
 * <pre>
 * alarm list      member &lt;id&gt; &lt;type&gt;: &lt;detail&gt; per alarm (member 0: "cluster"); nothing when there is none
 * alarm disarm    OK disarmed &lt;type&gt; of member &lt;id&gt; at index &lt;n&gt;; no such alarm: exit 3
 * check state     table MEMBER HASH VERDICT (the first 16 hex digits of each SHA-256), then
 *                 OK &lt;n&gt; of &lt;m&gt; members agree at index &lt;i&gt; | CORRUPT member(s) &lt;ids&gt; ... (exit 1)
 * </pre>
 */
final class AlarmCommands {
    private static final int HASH_DIGITS = 16;

    private AlarmCommands() {
    }

    static CommandLine alarm(CliContext ctx) {
        CommandLine alarm = new CommandLine(new AlarmGroup());
        alarm.addSubcommand("list", new ListCmd(ctx));
        alarm.addSubcommand("disarm", new Disarm(ctx));
        return alarm;
    }

    static CommandLine check(CliContext ctx) {
        CommandLine check = new CommandLine(new CheckGroup());
        check.addSubcommand("state", new CheckState(ctx));
        return check;
    }

    @Command(name = "alarm", mixinStandardHelpOptions = true,
            description = {"The cluster's alarms, as etcdctl's:", "",
                "  raftkv alarm list                 every alarm: CORRUPT (replace the member), NOSPACE (free space)",
                "  raftkv alarm disarm MEMBER TYPE   clear an alarm whose cause is gone"})
    static final class AlarmGroup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Checks of the cluster:", "",
                "  raftkv check state   run the corruption check now: every member's state hash, and who differs"})
    static final class CheckGroup implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    private static String member(long id) {
        return id == 0 ? "cluster" : "member " + id;
    }

    @Command(name = "list", description = {"List the alarms raised in the cluster (as the leader has applied them): one line each,",
        "nothing when there is none. CORRUPT: the member's state differs from the majority's, it serves nothing;",
        "NOSPACE: writes that add data are refused until space is freed (it clears by itself)."})
    static final class ListCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        ListCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            List<ClusterStatus.Alarm> alarms;
            try (RaftKvClient c = options.client(ctx)) {
                alarms = c.alarms();
            }
            if (options.format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(Map.of("alarms", alarms.stream().map(ListCmd::json).toList())));
            } else if (options.format == ClientOptions.Format.table) {
                Table t = new Table("MEMBER", "TYPE", "DETAIL");
                alarms.forEach(a -> t.row(a.member() == 0 ? "cluster" : Long.toString(a.member()), a.type(), detail(a)));
                t.print(ctx.out());
            } else {
                alarms.forEach(a -> ctx.out().println(member(a.member()) + " " + a.type() + ": " + detail(a)));
            }
            return 0;
        }

        private static Map<String, Object> json(ClusterStatus.Alarm a) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("member", a.member());
            m.put("type", a.type());
            m.put("detail", a.detail());
            return m;
        }

        private static String detail(ClusterStatus.Alarm a) {
            return Bytes.field(ByteString.copyFromUtf8(a.detail()), false);
        }
    }

    @Command(name = "disarm", description = {"Clear alarm TYPE of MEMBER through the log. Rarely needed: removing a member drops its",
        "alarms, NOSPACE clears by itself once space is freed, and the next corruption check raises CORRUPT again",
        "for a member whose state still differs. Exit 3 if there is no such alarm."})
    static final class Disarm implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "MEMBER", description = "The member the alarm is about (0: the whole cluster).")
        long member;
        @Parameters(index = "1", paramLabel = "TYPE", description = "corrupt or nospace.")
        String type;

        Disarm(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (member < 0) {
                throw CliException.usage("MEMBER must be a node id or 0, got " + member);
            }
            try (RaftKvClient c = options.client(ctx)) {
                List<ClusterStatus.Alarm> before = c.alarms();
                // Sent even when there is nothing to clear: the server is the one judge of the type (exit 2 if unknown).
                long index = c.disarmAlarm(member, type);
                if (before.stream().noneMatch(a -> a.member() == member && a.type().equalsIgnoreCase(type))) {
                    throw CliException.no("no " + type + " alarm on " + member(member) + " (alarms: "
                            + (before.isEmpty() ? "none" : before.stream().map(a -> a.type() + "@" + a.member())
                            .collect(Collectors.joining(","))) + ")");
                }
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("member", member);
                json.put("type", type);
                json.put("index", index);
                KvCommands.print(ctx, options, json,
                        "OK disarmed " + type + " of " + member(member) + " at index " + index);
            }
            return 0;
        }
    }

    @Command(name = "state", sortOptions = false,
            description = {"Run the corruption check now: every voter hashes its state after one log entry, and a member",
                "whose hash differs from the majority's gets a CORRUPT alarm (it then serves nothing: replace it).",
                "Prints each member's hash and the verdict; exit 1 if a member is corrupt."})
    static final class CheckState implements Callable<Integer> {
        private final CliContext ctx;
        @Option(names = "--endpoints", paramLabel = "HOST:PORT,...",
                description = "Client addresses to try (default: $RAFTKV_ENDPOINTS, else DIR/endpoints of the local cluster).")
        String endpoints;
        @Option(names = "--dir", paramLabel = "DIR", description = "Use the endpoints of the local cluster in DIR.")
        Path dir;
        @Mixin
        TlsFlags tls = new TlsFlags();
        @Option(names = "--user", paramLabel = "NAME",
                description = "Log in as NAME (a user with role root) to a cluster with auth enabled; password as for other commands.")
        String user;
        @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the --user's password.")
        Path passwordFile;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                description = "Deadline of the check (the leader waits up to 10s for slow members' hashes; default: ${DEFAULT-VALUE}).")
        Duration timeout;
        @Option(names = {"-w", "--write-out"}, paramLabel = "FORMAT", defaultValue = "simple",
                description = "Output format: simple, table or json (default: ${DEFAULT-VALUE}).")
        ClientOptions.Format format;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        CheckState(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            ClientOptions o = new ClientOptions();
            o.endpoints = endpoints;
            o.dir = dir;
            o.timeout = timeout;
            o.tls = tls;
            o.user = user;
            o.passwordFile = passwordFile;
            StateCheck s;
            try (RaftKvClient c = o.client(o.resolve(ctx), timeout)) {
                s = c.checkState();
            }
            if (format == ClientOptions.Format.json) {
                ctx.out().println(Json.write(json(s)));
            } else {
                Table t = new Table("MEMBER", "HASH", "VERDICT");
                s.members().forEach(m -> t.row(Long.toString(m.id()), m.known() ? m.hashHex().substring(0, HASH_DIGITS) : "-",
                        verdict(s, m)));
                t.print(ctx.out());
                ctx.out().println(summary(s));
            }
            return s.foundCorrupt() ? CliException.FAILED : 0;
        }

        private static String verdict(StateCheck s, StateCheck.MemberHash m) {
            return s.corrupt().contains(m.id()) ? "corrupt" : m.known() ? "ok" : "unknown: " + m.error();
        }

        private static String summary(StateCheck s) {
            long known = s.members().stream().filter(StateCheck.MemberHash::known).count();
            if (s.foundCorrupt()) {
                return "CORRUPT " + (s.corrupt().size() == 1 ? "member " : "members ") + s.corrupt().stream().map(String::valueOf)
                        .collect(Collectors.joining(",")) + ": state differs from the majority's at index " + s.index()
                        + " (CORRUPT alarm raised: it serves nothing; replace it)";
            }
            if (known == s.members().size()) {
                return "OK " + known + " of " + s.members().size() + " members agree at index " + s.index();
            }
            return "no member found corrupt at index " + s.index() + ", but only " + known + " of " + s.members().size()
                    + " members gave a hash";
        }

        private static Map<String, Object> json(StateCheck s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", s.index());
            m.put("members", s.members().stream().map(h -> {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("id", h.id());
                j.put("hash", h.hashHex());
                j.put("error", h.error());
                j.put("corrupt", s.corrupt().contains(h.id()));
                return j;
            }).toList());
            m.put("corrupt", s.corrupt());
            return m;
        }
    }
}
