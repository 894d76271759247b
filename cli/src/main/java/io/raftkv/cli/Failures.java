package io.raftkv.cli;

import io.raftkv.client.IndeterminateException;
import io.raftkv.client.InvalidArgumentException;
import io.raftkv.client.RaftKvException;
import io.raftkv.client.UnavailableException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The client's errors as the CLI reports them: one line naming the real cause, and the exit code by the
 * convention (input the server rejected is bad input, exit 2; everything else failed, exit 1).
 */
final class Failures {
    private Failures() {
    }

    static CliException of(RaftKvException e) {
        if (e instanceof InvalidArgumentException) {
            return CliException.usage(e.getMessage());
        }
        if (e instanceof UnavailableException u && !u.endpointFailures().isEmpty()) {
            return CliException.failed(unavailable(u));
        }
        if (e instanceof io.raftkv.client.AuthenticationException) {
            return CliException.failed(e.getMessage().replace("build the client with credentials(user, password)",
                    "log in with --user NAME"));
        }
        if (e instanceof IndeterminateException) {
            return CliException.failed(e.getMessage() + " (read the key to learn whether it was)");
        }
        return CliException.failed(e.getMessage());
    }

    /** "no node answered within the deadline" with each endpoint's own reason: unreachable, removed, no leader. */
    private static String unavailable(UnavailableException u) {
        Map<String, String> by = u.endpointFailures();
        boolean allUnreachable = by.values().stream().allMatch(v -> v.startsWith("unreachable"));
        String each = by.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
        String head = allUnreachable ? "cannot reach the cluster" : "the cluster did not serve the request";
        String tail = u.outcome() == RaftKvException.Outcome.UNKNOWN ? " (the write may still apply, at most once)" : "";
        return head + " (" + each + ")" + tail;
    }
}
