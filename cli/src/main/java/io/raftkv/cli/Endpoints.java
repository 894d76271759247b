package io.raftkv.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where client commands find the cluster, first match wins: {@code --endpoints}, then the endpoints file
 * of a local cluster named with an explicit {@code --dir}, then the {@code RAFTKV_ENDPOINTS} environment
 * variable, then {@code .local-cluster/endpoints} written by {@code raftkv local up}. Flags beat the
 * environment and the environment beats the implicit local cluster, so a shell with RAFTKV_ENDPOINTS set
 * never talks to a forgotten local cluster by accident.
 */
final class Endpoints {
    static final String ENV = "RAFTKV_ENDPOINTS";
    static final String FILE = "endpoints";

    private Endpoints() {
    }

    /**
     * The endpoints and where they came from (for error messages).
     *
     * @param endpoints    host:port (or http://host:port) each; an https:// scheme is taken off into {@code https}
     * @param localCluster the local cluster directory whose endpoints file they came from, or null
     * @param https        whether they were given as https:// (TLS, even without --cacert)
     * @param tls          how to speak TLS to them ({@link ClientTls#resolve}), or null for plaintext
     */
    record Resolved(List<String> endpoints, String source, Path localCluster, boolean https, ClientTls tls) {
        Resolved withTls(ClientTls t) {
            return new Resolved(endpoints, source, localCluster, https, t);
        }

        /** Whether one was given as http://: plaintext asked for by name. */
        boolean http() {
            return endpoints.stream().anyMatch(e -> e.regionMatches(true, 0, HTTP, 0, HTTP.length()));
        }
    }

    private static final String HTTP = "http://";
    private static final String HTTPS = "https://";

    /**
     * @param flag        value of --endpoints, or null
     * @param explicitDir value of --dir when given on the command line, or null
     * @param defaultDir  the local cluster directory used when nothing else is configured
     */
    static Resolved resolve(String flag, Path explicitDir, Map<String, String> env, Path defaultDir) {
        if (flag != null && !flag.isBlank()) {
            return schemes(parse(flag, "--endpoints"), "--endpoints", null);
        }
        if (explicitDir != null) {
            return fromFile(explicitDir).orElseThrow(() -> CliException.usage("no endpoints in "
                    + explicitDir + " (no local cluster there; start one with 'raftkv local up --dir " + explicitDir + "')"));
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return schemes(parse(fromEnv, ENV), ENV, null);
        }
        Path file = defaultDir.resolve(FILE);
        return fromFile(defaultDir).orElseThrow(() -> CliException.usage("no endpoints: pass --endpoints host:port,..., set "
                + ENV + ", or start a local cluster with 'raftkv local up' (looked for " + file + ")"));
    }

    /** Takes https:// off (TLS is then on); one list speaks one way, so http:// and https:// do not mix. */
    private static Resolved schemes(List<String> raw, String source, Path localCluster) {
        List<String> plain = new ArrayList<>();
        boolean https = false;
        for (String e : raw) {
            if (e.regionMatches(true, 0, HTTPS, 0, HTTPS.length())) {
                https = true;
                String rest = e.substring(HTTPS.length());
                plain.add(rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest);
            } else {
                plain.add(e);
            }
        }
        Resolved r = new Resolved(plain, source, localCluster, https, null);
        if (https && r.http()) {
            throw CliException.usage(source + " mixes http:// and https:// endpoints: a cluster speaks TLS on every node or on none");
        }
        return r;
    }

    private static Optional<Resolved> fromFile(Path clusterDir) {
        Path file = clusterDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.failed("cannot read " + file + ": " + e.getMessage());
        }
        return text.isBlank() ? Optional.empty() : Optional.of(schemes(parse(text, file.toString()), file.toString(), clusterDir));
    }

    /**
     * A comma- or whitespace-separated list, duplicates dropped. Each entry is checked where every address
     * is, in the client library (host:port, http:// accepted); https:// is the CLI's (see {@link #schemes}).
     */
    static List<String> parse(String text, String source) {
        List<String> out = new ArrayList<>();
        for (String part : text.trim().split("[,\\s]+")) {
            if (!part.isEmpty() && !out.contains(part)) {
                out.add(part);
            }
        }
        if (out.isEmpty()) {
            throw CliException.usage(source + " is empty (expected host:port,...)");
        }
        return out;
    }
}
