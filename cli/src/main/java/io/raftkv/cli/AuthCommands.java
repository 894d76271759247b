package io.raftkv.cli;

import io.raftkv.client.AuthAdmin;
import io.raftkv.client.RaftKvClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToLongFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv auth enable|disable|status} (etcdctl's {@code auth}); users and roles are {@link UserCommands}
 * and {@link RoleCommands}. Changes print {@code OK ... (auth revision N)}.
 */
final class AuthCommands {
    private AuthCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine auth = new CommandLine(new Group());
        auth.addSubcommand("enable", new Change(ctx, "enable", AuthAdmin::enable, "auth enabled"));
        auth.addSubcommand("disable", new Change(ctx, "disable", AuthAdmin::disable, "auth disabled"));
        auth.addSubcommand("status", new Status(ctx));
        return auth;
    }

    @Command(name = "auth", mixinStandardHelpOptions = true,
            description = {"Turn authentication and authorization on or off (README 'Users and roles'):", "",
                "  raftkv user add root && raftkv user grant root root",
                "  raftkv auth enable                  refused unless user root has role root",
                "  raftkv auth status                  enabled or not, and the auth revision",
                "  raftkv auth disable --user root     once enabled, every change needs role root"})
    static final class Group implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    /** Prints a change: {@code OK <what> (auth revision N)}, or JSON {@code {"revision": N, ...}}. */
    static void printChange(CliContext ctx, ClientOptions o, String what, long revision) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("ok", what);
        j.put("revision", revision);
        KvCommands.print(ctx, o, j, "OK " + what + " (auth revision " + revision + ")");
    }

    @Command(description = "Turn auth on or off.")
    static final class Change implements Callable<Integer> {
        private final CliContext ctx;
        private final ToLongFunction<AuthAdmin> op;
        private final String done;
        @Mixin
        ClientOptions options;

        Change(CliContext ctx, String name, ToLongFunction<AuthAdmin> op, String done) {
            this.ctx = ctx;
            this.op = op;
            this.done = done;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                printChange(ctx, options, done, op.applyAsLong(c.auth()));
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Whether auth is enabled, and the auth revision.")
    static final class Status implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;

        Status(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                AuthAdmin.AuthStatus s = c.auth().status();
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("enabled", s.enabled());
                j.put("revision", s.authRevision());
                if (options.format == ClientOptions.Format.table) {
                    Table t = new Table("ENABLED", "REVISION");
                    t.row(Boolean.toString(s.enabled()), Long.toString(s.authRevision()));
                    t.print(ctx.out());
                } else {
                    KvCommands.print(ctx, options, j, "auth " + (s.enabled() ? "enabled" : "disabled") + " (auth revision "
                            + s.authRevision() + ")");
                }
            }
            return 0;
        }
    }
}
