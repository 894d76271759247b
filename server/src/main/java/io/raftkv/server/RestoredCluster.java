package io.raftkv.server;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * How a data directory made by {@code raftkv backup restore} keeps the restored cluster apart from the
 * cluster the backup came from. The cluster id is derived from the cluster token and the member ids
 * ({@link ServerConfig#clusterId()}); a restored cluster usually has the same ids and token as the old
 * one, and would get the same id, so nodes of the two could talk to each other. Instead, restore writes
 * this marker naming a derived token, {@code <token>/restored-<sha256 prefix of the backup>}: the same on
 * every member that restored the same file, different from the old cluster's. A node started on the
 * directory with the token it was restored for adopts the derived one, so the usual
 * {@code raftkv server --id N --initial-cluster ... --data-dir DIR} starts it, and the store's identity
 * check still refuses another token or member list.
 */
public final class RestoredCluster {
    static final String FILE = "restored-cluster.properties";
    private static final String BASE = "base-cluster-token";
    private static final String TOKEN = "cluster-token";

    private RestoredCluster() {
    }

    /** The derived token of a cluster restored from the backup with this SHA-256, for members started with {@code token}. */
    public static String tokenFor(String token, String backupSha256) {
        return token + "/restored-" + backupSha256.substring(0, 16);
    }

    /**
     * Writes the marker into a data directory being restored (synced: it is part of what makes the
     * directory usable).
     *
     * @param baseToken   the token the members will be started with
     * @param description more keys, for people reading the file (backup index, source cluster, ...)
     */
    public static void write(Path dataDir, String baseToken, String backupSha256, Properties description) throws IOException {
        Properties p = new Properties();
        p.putAll(description);
        p.setProperty(BASE, baseToken);
        p.setProperty(TOKEN, tokenFor(baseToken, backupSha256));
        StringWriter w = new StringWriter();
        p.store(w, "raftkv: this data directory was restored from a backup; nodes started with --cluster-token "
                + baseToken + " use cluster token " + tokenFor(baseToken, backupSha256) + ". Do not edit.");
        try (FileChannel ch = FileChannel.open(dataDir.resolve(FILE), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(w.toString().getBytes(StandardCharsets.ISO_8859_1));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    /**
     * The configuration a node runs with: {@code config} itself, or, on a restored data directory, the same
     * with the restored cluster's token.
     *
     * @throws IllegalArgumentException if the directory was restored for another cluster token
     */
    static ServerConfig adopt(ServerConfig config) {
        Path marker = config.dataDir().resolve(FILE);
        if (!Files.isRegularFile(marker)) {
            return config;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(marker, StandardCharsets.ISO_8859_1)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException("cannot read " + marker + ": " + e.getMessage(), new IOException(e));
        }
        String base = p.getProperty(BASE);
        String token = p.getProperty(TOKEN);
        if (base == null || token == null) {
            throw new IllegalArgumentException(marker + " is damaged (no " + BASE + " or " + TOKEN + ")");
        }
        if (!base.equals(config.clusterToken())) {
            throw new IllegalArgumentException("data directory " + config.dataDir() + " was restored for --cluster-token '" + base
                    + "', but this node was started with '" + config.clusterToken() + "'");
        }
        return config.withClusterToken(token);
    }
}
