package io.raftkv.bench.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Finds the {@code etcd} binary, installing Debian's {@code etcd-server} (etcd 3.4) when it is missing and we
 * run as root; otherwise fails with the command that installs it.
 */
final class EtcdBinary {
    static final String INSTALL = "apt-get install -y etcd-server etcd-client";

    private EtcdBinary() {
    }

    static Path locate(PrintStream log) {
        Path etcd = Exec.onPath("etcd");
        if (etcd != null) {
            return etcd;
        }
        if (!isRoot()) {
            throw new IllegalStateException("etcd is not on the PATH. Install etcd 3.4 (Debian/Ubuntu: sudo " + INSTALL
                    + "), or put an etcd binary on the PATH, then run this again.");
        }
        log.println("etcd is not on the PATH; installing Debian's etcd-server (" + INSTALL + ")");
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        List<String> install = List.of("apt-get", "install", "-y", "etcd-server", "etcd-client");
        Exec.Output out = Exec.run(install, Duration.ofMinutes(10), env);
        if (!out.ok()) {
            // A fresh machine may not have package lists yet.
            Exec.Output update = Exec.run(List.of("apt-get", "update"), Duration.ofMinutes(10), env);
            out = update.ok() ? Exec.run(install, Duration.ofMinutes(10), env) : update;
        }
        if (!out.ok()) {
            throw new IllegalStateException("could not install etcd with '" + INSTALL + "':\n" + tail(out.text()));
        }
        etcd = Exec.onPath("etcd");
        if (etcd == null && Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            etcd = Path.of("/usr/bin/etcd");
        }
        if (etcd == null) {
            throw new IllegalStateException("'" + INSTALL + "' succeeded but no etcd binary is on the PATH");
        }
        // On a systemd machine the package also starts a system etcd on 2379/2380; ours use other ports.
        log.println("installed " + etcd + " (" + version(etcd) + ")");
        return etcd;
    }

    /** {@code 3.4.23}, from {@code etcd --version}. */
    static String version(Path etcd) {
        Exec.Output out = Exec.run(List.of(etcd.toString(), "--version"), Duration.ofSeconds(20), Map.of());
        for (String line : out.text().split("\n")) {
            if (line.startsWith("etcd Version:")) {
                return line.substring("etcd Version:".length()).trim();
            }
        }
        return "unknown";
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // not Linux: fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }

    private static String tail(String text) {
        String[] lines = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
    }
}
