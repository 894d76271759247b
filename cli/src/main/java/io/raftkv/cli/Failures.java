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

    /** "no node answered within the deadline" with each endpoint's own reason: unreachable, removed, no leader, TLS. */
    private static String unavailable(UnavailableException u) {
        Map<String, String> by = u.endpointFailures();
        boolean allUnreachable = by.values().stream().allMatch(v -> v.startsWith("unreachable"));
        boolean allTls = by.values().stream().allMatch(v -> v.startsWith("TLS handshake failed"));
        String each = by.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
        String head = allUnreachable ? "cannot reach the cluster" : allTls ? "no node accepted this client's TLS"
                : "the cluster did not serve the request";
        String tail = u.outcome() == RaftKvException.Outcome.UNKNOWN ? " (the write may still apply, at most once)" : "";
        return head + " (" + each + ")" + tail + hint(by);
    }

    /** What the transport's words mean when TLS is the likely cause: the CLI knows its flags, gRPC does not. */
    private static String hint(Map<String, String> by) {
        if (by.values().stream().allMatch(v -> v.startsWith("TLS handshake failed"))) {
            return "; check that --cacert holds the CA that issued the nodes' certificates, and give --cert and --key if the"
                    + " cluster requires client certificates";
        }
        if (by.values().stream().allMatch(v -> v.contains("Network closed for unknown reason"))) {
            return "; every node closed the connection at once, as a node with TLS does to a plaintext client: give --cacert"
                    + " (and --cert, --key if the cluster requires client certificates)";
        }
        return "";
    }
}
