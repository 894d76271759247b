package io.raftkv.chaos;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Image;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image every node container runs: the base image plus the server's runnable jar, built with
 * Testcontainers' {@link ImageFromDockerfile}. Tagged by a hash of the jar, the base image and the
 * Dockerfile, so an unchanged build reuses it (no rebuild per run) and a new jar never runs an old image;
 * older node images are removed when a new one is built, so repeated builds do not fill the disk.
 */
final class DockerNodeImage {
    private static final Logger LOG = LoggerFactory.getLogger(DockerNodeImage.class);
    static final String REPOSITORY = "raftkv-chaos-node";
    static final String LABEL = "io.raftkv.chaos.node-image";
    static final String JAR = "/opt/raftkv/raftkv-server.jar";

    private DockerNodeImage() {
    }

    static String dockerfile(String baseImage) {
        return String.join("\n",
                "FROM " + baseImage,
                "LABEL " + LABEL + "=true",
                // The offline base has both; a public JRE image usually has neither.
                "RUN if ! command -v iptables >/dev/null || ! command -v ip >/dev/null; then \\",
                "      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\",
                "      iptables iproute2 && rm -rf /var/lib/apt/lists/*; fi",
                "COPY raftkv-server.jar " + JAR,
                "WORKDIR /var/lib/raftkv",
                "");
    }

    /** The node image's name, built now unless this engine already has it. */
    static String ensure(DockerClient docker, Path serverJar, String baseImage) {
        boolean baseHere = DockerEnvironment.exists(docker, baseImage);
        if (!baseHere && baseImage.equals(DockerEnvironment.OFFLINE_BASE_IMAGE)) {
            throw new IllegalStateException("base image " + baseImage + " is not in this Docker engine: build it with "
                    + "chaos/docker/build-base-image.sh (offline, ~1 min), or choose another with --base-image");
        }
        String baseId = baseHere ? docker.inspectImageCmd(baseImage).exec().getId() : baseImage;
        String dockerfile = dockerfile(baseImage);
        String tag = REPOSITORY + ":" + hash(serverJar, baseId, dockerfile);
        if (DockerEnvironment.exists(docker, tag)) {
            return tag;
        }
        long start = System.nanoTime();
        LOG.info("building node image {} from {} and {}", tag, baseImage, serverJar);
        try {
            new ImageFromDockerfile(tag, false)
                    .withFileFromPath("raftkv-server.jar", serverJar)
                    .withFileFromString("Dockerfile", dockerfile)
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("could not build the node image " + tag + " from base image " + baseImage
                    + (baseHere ? "" : " (not in this engine, so it had to be pulled: is a registry reachable? "
                    + "chaos/docker/build-base-image.sh builds one offline)") + ": " + e, e);
        }
        LOG.info("built node image {} in {} ms", tag, (System.nanoTime() - start) / 1_000_000);
        pruneOthers(docker, tag);
        return tag;
    }

    private static void pruneOthers(DockerClient docker, String keep) {
        List<Image> images = docker.listImagesCmd().withLabelFilter(LABEL).exec();
        for (Image image : images) {
            String[] tags = image.getRepoTags();
            if (tags != null && List.of(tags).contains(keep)) {
                continue;
            }
            try {
                docker.removeImageCmd(image.getId()).exec();
            } catch (RuntimeException e) {
                // In use by another run's containers, or already gone: keep it.
                LOG.debug("kept node image {}: {}", image.getId(), e.toString());
            }
        }
    }

    private static String hash(Path jar, String baseId, String dockerfile) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(jar)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    d.update(buf, 0, n);
                }
            }
            d.update(baseId.getBytes(StandardCharsets.UTF_8));
            d.update(dockerfile.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server jar " + jar, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
