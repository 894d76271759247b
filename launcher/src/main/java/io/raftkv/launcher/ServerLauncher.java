package io.raftkv.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a server process: a Java executable, JVM options and an entry point (the server's runnable
 * jar, or a classpath and main class in tests); {@link #command} appends {@code server <flags>}.
 *
 * @param java       the java executable
 * @param jvmOptions options before the entry point (heap, GC, logging)
 * @param entry      {@code -jar <jar>} or {@code -cp <classpath> <main class>}
 */
public record ServerLauncher(Path java, List<String> jvmOptions, List<String> entry) {
    /**
     * Small heaps and the serial collector: several node JVMs share a laptop (or two CI cores), the data
     * lives off-heap in RocksDB, and fewer GC threads means less scheduling noise in elections. Larger
     * survivor spaces, filled further before objects are promoted: a leader's young set under load (requests
     * in flight, the newest log entries) overflowed the default ones, was promoted after one collection and
     * died in the old generation, costing 4-5 full collections (60-100 ms pauses) per 30 s of puts; with these,
     * 0-1, at the same RSS.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:SurvivorRatio=4", "-XX:TargetSurvivorRatio=80", "-XX:+ExitOnOutOfMemoryError");

    /** glibc malloc arenas for node processes (environment MALLOC_ARENA_MAX, unless already set). */
    public static final String MALLOC_ARENA_MAX = "2";

    /** Environment variable naming the server's runnable jar (bin/raftkv sets it). */
    public static final String SERVER_JAR_ENV = "RAFTKV_SERVER_JAR";
    /** Environment variable replacing {@link #DEFAULT_JVM_OPTIONS} for node processes. */
    public static final String JAVA_OPTS_ENV = "RAFTKV_NODE_JAVA_OPTS";

    public ServerLauncher {
        Objects.requireNonNull(java, "java");
        jvmOptions = List.copyOf(jvmOptions);
        entry = List.copyOf(entry);
    }

    /** The server jar run by this JVM's own java with {@code jvmOptions}. */
    public static ServerLauncher ofJar(Path serverJar, List<String> jvmOptions) {
        return new ServerLauncher(currentJava(), jvmOptions, List.of("-jar", serverJar.toAbsolutePath().toString()));
    }

    /**
     * The server jar named by {@value #SERVER_JAR_ENV} with the options of {@value #JAVA_OPTS_ENV} (default:
     * {@link #DEFAULT_JVM_OPTIONS}).
     *
     * @throws IllegalStateException naming the build command when the jar is not there
     */
    public static ServerLauncher fromEnvironment(Map<String, String> env) {
        String jar = env.get(SERVER_JAR_ENV);
        if (jar == null || jar.isBlank()) {
            throw new IllegalStateException("no server jar: set " + SERVER_JAR_ENV + " (bin/raftkv does)");
        }
        Path p = Path.of(jar);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("server jar " + p + " does not exist: build it with"
                    + " ./mvnw -q -pl server -am package -DskipTests");
        }
        String opts = env.get(JAVA_OPTS_ENV);
        return ofJar(p, opts == null || opts.isBlank() ? DEFAULT_JVM_OPTIONS : Arrays.asList(opts.trim().split("\\s+")));
    }

    /** The full command line of a node: {@code java <options> <entry> server <flags>}. */
    public List<String> command(List<String> serverFlags) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(entry);
        cmd.add("server");
        cmd.addAll(serverFlags);
        return cmd;
    }

    /** The java executable of the running JVM, so nodes never run another version than their starter's. */
    public static Path currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
