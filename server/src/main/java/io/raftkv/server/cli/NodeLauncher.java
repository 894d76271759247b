package io.raftkv.server.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The command that starts a node of a local cluster: the same Java and the same code as the running
 * CLI, so {@code bin/raftkv local up} never mixes versions. From the shaded jar that is
 * {@code java -jar raftkv-server.jar}; from a classes directory (IDE, Maven tests) it is
 * {@code java -cp <classpath> io.raftkv.server.cli.Main}.
 */
final class NodeLauncher {
    /**
     * Small heaps and the serial collector: five node JVMs share a laptop (or two CI cores), the data
     * lives off-heap in RocksDB, and fewer GC threads means less scheduling noise in elections.
     * RAFTKV_NODE_JAVA_OPTS replaces these.
     */
    static final List<String> DEFAULT_JAVA_OPTS = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError");

    private NodeLauncher() {
    }

    static List<String> current(Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opts = env.get("RAFTKV_NODE_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(Arrays.asList(opts.trim().split("\\s+")));
        } else {
            cmd.addAll(DEFAULT_JAVA_OPTS);
        }
        Path code = codeLocation();
        if (code != null && Files.isRegularFile(code) && code.toString().endsWith(".jar")) {
            cmd.add("-jar");
            cmd.add(code.toString());
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
        }
        return cmd;
    }

    private static Path codeLocation() {
        CodeSource source = Main.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
