package io.raftkv.cli;

import com.google.protobuf.ByteString;
import io.raftkv.client.AuthAdmin;
import io.raftkv.client.RaftKvClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv role add|delete|grant|revoke|list|get} (etcdctl's {@code role}). A grant gives {@code read},
 * {@code write} or {@code readwrite} on {@code --prefix P} or on {@code --from A --to B} ([A, B); without
 * {@code --to}: to the end of the keys).
 */
final class RoleCommands {
    private RoleCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine role = new CommandLine(new Group());
        role.addSubcommand("add", new Simple(ctx, true));
        role.addSubcommand("delete", new Simple(ctx, false));
        role.addSubcommand("grant", new GrantCmd(ctx, true));
        role.addSubcommand("revoke", new GrantCmd(ctx, false));
        role.addSubcommand("list", new ListCmd(ctx));
        role.addSubcommand("get", new Get(ctx));
        return role;
    }

    @Command(name = "role", mixinStandardHelpOptions = true,
            description = {"Manage roles (README 'Users and roles'); once auth is enabled, only role root may:", "",
                "  raftkv role add NAME, role delete NAME",
                "  raftkv role grant NAME read|write|readwrite --prefix P | --from A [--to B]",
                "  raftkv role revoke NAME --prefix P | --from A [--to B]",
                "  raftkv role list, role get NAME",
                "The role root is built in: every permission, and the admin commands."})
    static final class Group implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    @Command(description = "Add or delete a role (deleting it takes it from every user).")
    static final class Simple implements Callable<Integer> {
        private final CliContext ctx;
        private final boolean add;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The role (1..128 bytes).")
        String name;

        Simple(CliContext ctx, boolean add) {
            this.ctx = ctx;
            this.add = add;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                long rev = add ? c.auth().roleAdd(name) : c.auth().roleDelete(name);
                AuthCommands.printChange(ctx, options, "role " + name + (add ? " added" : " deleted"), rev);
            }
            return 0;
        }
    }

    /** The key range of a grant or revoke: {@code --prefix P} or {@code --from A [--to B]}. */
    static final class Range {
        @Option(names = "--prefix", paramLabel = "P", description = "Every key starting with P.")
        String prefix;
        @Option(names = "--from", paramLabel = "A", description = "Keys from A (inclusive) ...")
        String from;
        @Option(names = "--to", paramLabel = "B", description = "... to B (exclusive); without it: to the end of the keys.")
        String to;

        AuthAdmin.Grant grant(AuthAdmin.Access access) {
            if (prefix != null && (from != null || to != null)) {
                throw CliException.usage("give --prefix P or --from A [--to B], not both");
            }
            if (prefix != null) {
                return AuthAdmin.Grant.prefix(access, ByteString.copyFromUtf8(prefix));
            }
            if (from == null) {
                throw CliException.usage("give the keys: --prefix P or --from A [--to B]");
            }
            return AuthAdmin.Grant.range(access, ByteString.copyFromUtf8(from), to == null ? ByteString.EMPTY
                    : ByteString.copyFromUtf8(to));
        }
    }

    @Command(description = "Grant a role read, write or readwrite on a prefix or range, or revoke that grant.")
    static final class GrantCmd implements Callable<Integer> {
        private final CliContext ctx;
        private final boolean grant;
        @Mixin
        ClientOptions options;
        @Mixin
        Range range;
        @Parameters(index = "0", paramLabel = "NAME", description = "The role.")
        String name;
        @Parameters(index = "1", paramLabel = "ACCESS", arity = "0..1",
                description = "read, write or readwrite (grant only).")
        String access;

        GrantCmd(CliContext ctx, boolean grant) {
            this.ctx = ctx;
            this.grant = grant;
        }

        @Override
        public Integer call() {
            AuthAdmin.Access a = AuthAdmin.Access.READ;
            if (grant) {
                if (access == null) {
                    throw CliException.usage("give the access: read, write or readwrite");
                }
                try {
                    a = AuthAdmin.Access.valueOf(access.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("unknown access '" + access + "': read, write or readwrite");
                }
            } else if (access != null) {
                throw CliException.usage("revoke takes no access: it removes the grant on exactly that prefix or range");
            }
            AuthAdmin.Grant g = range.grant(a);
            try (RaftKvClient c = options.client(ctx)) {
                long rev = grant ? c.auth().roleGrant(name, g) : c.auth().roleRevoke(name, g);
                String what = grant ? "role " + name + " granted " + g : "role " + name + " no longer has "
                        + g.toString().substring(g.toString().indexOf(' ') + 1);
                AuthCommands.printChange(ctx, options, what, rev);
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the roles (root included), one per line.")
    static final class ListCmd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        ListCmd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                List<String> roles = c.auth().roleList();
                options.printNames(ctx, "roles", "ROLE", roles);
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Show role NAME's grants (table ACCESS KEYS).")
    static final class Get implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The role.")
        String name;

        Get(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                AuthAdmin.Role r = c.auth().roleGet(name);
                if (options.format == ClientOptions.Format.json) {
                    List<Map<String, Object>> grants = new ArrayList<>();
                    for (AuthAdmin.Grant g : r.grants()) {
                        Map<String, Object> j = new LinkedHashMap<>();
                        j.put("access", g.access().name().toLowerCase(java.util.Locale.ROOT));
                        j.put(g.prefix() ? "prefix" : "from", g.from().toStringUtf8());
                        if (!g.prefix() && !g.to().isEmpty()) {
                            j.put("to", g.to().toStringUtf8());
                        }
                        grants.add(j);
                    }
                    ctx.out().println(Json.write(Map.of("role", r.name(), "grants", grants)));
                    return 0;
                }
                Table t = new Table("ACCESS", "KEYS");
                for (AuthAdmin.Grant g : r.grants()) {
                    String s = g.toString();
                    t.row(g.access().name().toLowerCase(java.util.Locale.ROOT), name.equals("root") ? "everything"
                            : s.substring(s.indexOf(' ') + 1));
                }
                t.print(ctx.out());
            }
            return 0;
        }
    }
}
