package io.raftkv.cli;

import io.raftkv.client.AuthAdmin;
import io.raftkv.client.RaftKvClient;
import java.nio.file.Path;
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
 * {@code raftkv user add|delete|passwd|grant|revoke|list|get} (etcdctl's {@code user}). A new password comes
 * from {@code --new-password-file FILE} or a prompt, never from the command line.
 */
final class UserCommands {
    private UserCommands() {
    }

    static CommandLine command(CliContext ctx) {
        CommandLine user = new CommandLine(new Group());
        user.addSubcommand("add", new Add(ctx));
        user.addSubcommand("delete", new Delete(ctx));
        user.addSubcommand("passwd", new Passwd(ctx));
        user.addSubcommand("grant", new Grant(ctx, true));
        user.addSubcommand("revoke", new Grant(ctx, false));
        user.addSubcommand("list", new ListCmd(ctx));
        user.addSubcommand("get", new Get(ctx));
        return user;
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = {"Manage users (README 'Users and roles'); once auth is enabled, only role root may:", "",
                "  raftkv user add NAME [--new-password-file F | --no-password]",
                "  raftkv user passwd NAME [--new-password-file F]",
                "  raftkv user grant NAME ROLE, user revoke NAME ROLE",
                "  raftkv user list, user get NAME, user delete NAME"})
    static final class Group implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return CliException.USAGE;
        }
    }

    /** The new user's password: from FILE, else a prompt (twice, so a typo is caught). */
    static String newPassword(String name, Path file, CliContext ctx) {
        if (file != null) {
            return Login.firstLine(ctx.resolve(file), "--new-password-file");
        }
        String noTerminal = "no password for user " + name + ": give --new-password-file FILE (or --no-password for a "
                + "certificate-only user), or run in a terminal";
        String first = Login.prompt("new password of user " + name + ": ", noTerminal);
        if (!first.equals(Login.prompt("again: ", noTerminal))) {
            throw CliException.usage("the passwords differ");
        }
        return first;
    }

    @Command(name = "add", description = "Add user NAME (with a password, or --no-password for a client-certificate user).")
    static final class Add implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user name (1..128 bytes, no ':').")
        String name;
        @Option(names = "--new-password-file", paramLabel = "FILE", description = "A file whose first line is the password.")
        Path passwordFile;
        @Option(names = "--no-password", description = "No password: the user authenticates only with a client "
                + "certificate whose common name is NAME.")
        boolean noPassword;

        Add(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (noPassword && passwordFile != null) {
                throw CliException.usage("give --no-password or --new-password-file, not both");
            }
            try (RaftKvClient c = options.client(ctx)) {
                long rev = noPassword ? c.auth().userAddWithoutPassword(name)
                        : c.auth().userAdd(name, newPassword(name, passwordFile, ctx));
                AuthCommands.printChange(ctx, options, "user " + name + " added", rev);
            }
            return 0;
        }
    }

    @Command(name = "passwd", description = "Change user NAME's password.")
    static final class Passwd implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user.")
        String name;
        @Option(names = "--new-password-file", paramLabel = "FILE", description = "A file whose first line is the new password.")
        Path passwordFile;

        Passwd(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                long rev = c.auth().userChangePassword(name, newPassword(name, passwordFile, ctx));
                AuthCommands.printChange(ctx, options, "password of user " + name + " changed", rev);
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete user NAME (not root while auth is enabled).")
    static final class Delete implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user.")
        String name;

        Delete(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                AuthCommands.printChange(ctx, options, "user " + name + " deleted", c.auth().userDelete(name));
            }
            return 0;
        }
    }

    @Command(description = "Grant a role to, or revoke it from, a user.")
    static final class Grant implements Callable<Integer> {
        private final CliContext ctx;
        private final boolean grant;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user.")
        String name;
        @Parameters(index = "1", paramLabel = "ROLE", description = "The role (root: every permission, and admin).")
        String role;

        Grant(CliContext ctx, boolean grant) {
            this.ctx = ctx;
            this.grant = grant;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                long rev = grant ? c.auth().userGrantRole(name, role) : c.auth().userRevokeRole(name, role);
                AuthCommands.printChange(ctx, options, "role " + role + (grant ? " granted to" : " revoked from") + " user "
                        + name, rev);
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the users, one per line.")
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
                List<String> users = c.auth().userList();
                options.printNames(ctx, "users", "USER", users);
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Show user NAME's roles and whether it has a password.")
    static final class Get implements Callable<Integer> {
        private final CliContext ctx;
        @Mixin
        ClientOptions options;
        @Parameters(index = "0", paramLabel = "NAME", description = "The user.")
        String name;

        Get(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            try (RaftKvClient c = options.client(ctx)) {
                AuthAdmin.User u = c.auth().userGet(name);
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("user", u.name());
                j.put("roles", u.roles());
                j.put("password", u.hasPassword());
                if (options.format == ClientOptions.Format.table) {
                    Table t = new Table("USER", "ROLES", "PASSWORD");
                    t.row(u.name(), u.roles().isEmpty() ? "-" : String.join(",", u.roles()), u.hasPassword() ? "yes" : "no");
                    t.print(ctx.out());
                } else {
                    KvCommands.print(ctx, options, j, "user " + u.name() + " roles: "
                            + (u.roles().isEmpty() ? "-" : String.join(" ", u.roles())) + (u.hasPassword() ? "" : " (no password)"));
                }
            }
            return 0;
        }
    }
}
