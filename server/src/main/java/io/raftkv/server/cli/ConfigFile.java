package io.raftkv.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The optional {@code server --config FILE}: Java properties whose keys are the long flag names without
 * the dashes ({@code initial-cluster=1=10.0.0.1:7001,...}). File values become picocli defaults, so a flag
 * on the command line always wins and file values go through the same converters and checks as flags.
 *
 * <p>The file must be known before picocli parses (defaults are applied first), hence {@link #locate},
 * a pre-scan of the raw arguments.
 */
final class ConfigFile {
    static final String OPTION = "--config";

    private final Path path;
    private final Properties properties;

    private ConfigFile(Path path, Properties properties) {
        this.path = path;
        this.properties = properties;
    }

    /** The value of {@code --config FILE} or {@code --config=FILE} before any {@code --}; null if absent. */
    static String locate(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.equals(OPTION)) {
                if (i + 1 >= args.length) {
                    throw CliException.usage("Missing required parameter for option '--config' (FILE)");
                }
                return args[i + 1];
            }
            if (a.startsWith(OPTION + "=")) {
                return a.substring(OPTION.length() + 1);
            }
        }
        return null;
    }

    static ConfigFile load(Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw CliException.usage("--config " + path + ": cannot read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--config " + path + ": malformed properties (" + e.getMessage() + ")");
        }
        return new ConfigFile(path, p);
    }

    Path path() {
        return path;
    }

    /** Rejects keys that are no flag of {@code spec}: a typo must not silently leave a default in place. */
    void checkKeys(CommandSpec spec) {
        Set<String> known = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            String key = key(o);
            if (!key.equals("config") && !o.usageHelp() && !o.versionHelp() && !key.equals("print-config")) {
                known.add(key);
            }
        }
        for (String key : properties.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw CliException.usage("--config " + path + ": unknown key '" + key + "' (known keys: "
                        + String.join(", ", known) + ")");
            }
        }
    }

    boolean has(OptionSpec option) {
        return properties.getProperty(key(option)) != null;
    }

    IDefaultValueProvider defaults() {
        return (ArgSpec arg) -> {
            if (!(arg instanceof OptionSpec)) {
                return null;
            }
            String v = properties.getProperty(key((OptionSpec) arg));
            return v == null ? null : v.trim();
        };
    }

    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }
}
