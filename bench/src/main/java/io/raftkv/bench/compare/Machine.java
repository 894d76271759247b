package io.raftkv.bench.compare;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The machine and code a run measured, recorded next to the numbers (which mean little without them). */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> facts(Path root, Path workDir) {
        return Json.object().with("cpu", cpuModel()).with("cores", Runtime.getRuntime().availableProcessors())
                .with("memoryMiB", memTotalMiB())
                .with("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
                .with("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
                .with("generatorJvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .with("loadAverageAtStart", loadAverage())
                .with("dataDisk", fileStore(workDir))
                .with("raftkvCommit", gitCommit(root));
    }

    /** One line for the chart's subtitle and the console. */
    static String oneLine(Map<String, Object> f) {
        return f.get("cores") + " cores (" + f.get("cpu") + "), " + f.get("memoryMiB") + " MiB, " + f.get("os")
                + ", raftkv " + f.get("raftkvCommit");
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static long memTotalMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return 0;
    }

    /** /proc/loadavg: on a shared machine, how busy the others were (recorded at the start and the end of a run). */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String fileStore(Path dir) {
        try {
            Files.createDirectories(dir);
            FileStore fs = Files.getFileStore(dir);
            return dir + " on " + fs.name() + " (" + fs.type() + ")";
        } catch (IOException e) {
            return dir.toString();
        }
    }

    /** The commit of the checkout (with "+dirty" for local changes), or "unknown" outside one. */
    static String gitCommit(Path root) {
        Exec.Output head = Exec.run(List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"), Duration.ofSeconds(10), Map.of());
        if (!head.ok()) {
            return "unknown";
        }
        Exec.Output dirty = Exec.run(List.of("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no"),
                Duration.ofSeconds(10), Map.of());
        return head.text().trim() + (dirty.ok() && !dirty.text().isBlank() ? "+dirty" : "");
    }
}
