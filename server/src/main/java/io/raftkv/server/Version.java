package io.raftkv.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build of raftkv calls itself (from a resource Maven fills in at build time). */
final class Version {
    private static final String CURRENT = load();

    private Version() {
    }

    static String current() {
        return CURRENT;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/raftkv-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
