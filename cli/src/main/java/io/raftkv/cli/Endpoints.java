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

    /** The endpoints and where they came from (for error messages). */
    record Resolved(List<String> endpoints, String source) {
    }

    /**
     * @param flag        value of --endpoints, or null
     * @param explicitDir value of --dir when given on the command line, or null
     * @param defaultDir  the local cluster directory used when nothing else is configured
     */
    static Resolved resolve(String flag, Path explicitDir, Map<String, String> env, Path defaultDir) {
        if (flag != null && !flag.isBlank()) {
            return new Resolved(parse(flag, "--endpoints"), "--endpoints");
        }
        if (explicitDir != null) {
            return fromFile(explicitDir.resolve(FILE)).orElseThrow(() -> CliException.usage("no endpoints in "
                    + explicitDir + " (no local cluster there; start one with 'raftkv local up --dir " + explicitDir + "')"));
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Resolved(parse(fromEnv, ENV), ENV);
        }
        Path file = defaultDir.resolve(FILE);
        return fromFile(file).orElseThrow(() -> CliException.usage("no endpoints: pass --endpoints host:port,..., set "
                + ENV + ", or start a local cluster with 'raftkv local up' (looked for " + file + ")"));
    }

    private static Optional<Resolved> fromFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.failed("cannot read " + file + ": " + e.getMessage());
        }
        return text.isBlank() ? Optional.empty() : Optional.of(new Resolved(parse(text, file.toString()), file.toString()));
    }

    /**
     * A comma- or whitespace-separated list, duplicates dropped. Each entry is checked where every address
     * is, in the client library (host:port, http:// accepted, https:// refused while there is no TLS).
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
