package io.raftkv.cli;

import io.raftkv.client.RaftKvClient;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a command's password comes from, for {@code --user NAME} (README "Users and roles"): {@code --password-file
 * FILE} (its first line), else {@code $RAFTKV_PASSWORD}, else a prompt on the terminal. There is no
 * {@code --password} flag: it would land in shell history and the process list. etcdctl's {@code --user NAME:PASS}
 * is accepted with a warning on stderr. A password is never printed.
 */
final class Login {
    static final String PASSWORD_ENV = "RAFTKV_PASSWORD";

    private Login() {
    }

    static RaftKvClient.Builder apply(RaftKvClient.Builder b, String user, Path passwordFile, CliContext ctx) {
        if (user == null) {
            if (passwordFile != null) {
                throw CliException.usage("--password-file needs --user");
            }
            return b;
        }
        int colon = user.indexOf(':');
        if (colon >= 0) {
            if (ctx != null) {
                ctx.err().println("warning: --user NAME:PASSWORD leaves the password in the shell history and the process "
                        + "list; prefer --password-file FILE or $" + PASSWORD_ENV);
            }
            return b.credentials(user.substring(0, colon), user.substring(colon + 1));
        }
        return b.credentials(user, password(user, passwordFile, ctx));
    }

    /** A password from FILE, the environment or the terminal, in that order. */
    static String password(String user, Path passwordFile, CliContext ctx) {
        if (passwordFile != null) {
            return firstLine(ctx == null ? passwordFile : ctx.resolve(passwordFile), "--password-file");
        }
        String env = ctx == null ? null : ctx.env().get(PASSWORD_ENV);
        if (env != null && !env.isEmpty()) {
            return env;
        }
        return prompt("password of user " + user + ": ",
                "no password for --user " + user + ": give --password-file FILE or $" + PASSWORD_ENV + ", or run in a terminal");
    }

    static String firstLine(Path file, String what) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                throw CliException.usage(what + " " + file + " is empty: its first line must be the password");
            }
            return lines.get(0);
        } catch (IOException e) {
            throw CliException.usage("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /** Reads a line without echo from the terminal; a usage error naming the alternatives without one. */
    static String prompt(String question, String noTerminal) {
        Console console = System.console();
        if (console == null) {
            throw CliException.usage(noTerminal);
        }
        char[] pw = console.readPassword("%s", question);
        if (pw == null || pw.length == 0) {
            throw CliException.usage("no password given");
        }
        return new String(pw);
    }
}
