package io.raftkv.chaos;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/**
 * Where the docker backend finds its engine and base image. Testcontainers finds the engine (DOCKER_HOST,
 * the local socket); two of its settings are environment variables only and must be set before the JVM
 * starts: {@code TESTCONTAINERS_RYUK_DISABLED=true} (the harness removes its own containers, so no reaper
 * image has to be pulled) and, when the harness itself runs inside a container next to its engine,
 * {@code TESTCONTAINERS_HOST_OVERRIDE=localhost}. The build and {@code bin/raftkv} set both.
 */
final class DockerEnvironment {
    /** Public default: any image with {@code java} 17+ works; iptables and iproute2 are added if missing. */
    static final String PUBLIC_BASE_IMAGE = "eclipse-temurin:17-jre";
    /** Built offline by {@code chaos/docker/build-base-image.sh}: preferred when present, since it needs no registry. */
    static final String OFFLINE_BASE_IMAGE = "raftkv-chaos-base:bookworm-jre17";

    private DockerEnvironment() {
    }

    /**
     * Why the docker backend cannot run here, or empty when an engine answers and Testcontainers is set up
     * not to start its reaper (which it would otherwise pull and start before anything else, and which
     * hangs for minutes where no registry is reachable).
     */
    static Optional<String> problem() {
        return problem(System.getenv());
    }

    static Optional<String> problem(Map<String, String> env) {
        if (!"true".equalsIgnoreCase(env.getOrDefault("TESTCONTAINERS_RYUK_DISABLED", "").trim())) {
            return Optional.of("TESTCONTAINERS_RYUK_DISABLED=true is not set in the environment: the docker backend removes "
                    + "its own containers and networks, and without it Testcontainers first pulls and starts its Ryuk reaper "
                    + "(bin/raftkv and the Maven build set it)");
        }
        try {
            if (DockerClientFactory.instance().isDockerAvailable()) {
                return Optional.empty();
            }
            return Optional.of("no Docker engine found (Testcontainers looked at DOCKER_HOST and /var/run/docker.sock)");
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("no usable Docker engine: " + e);
        }
    }

    static DockerClient client() {
        problem().ifPresent(p -> {
            throw new IllegalStateException("the docker backend needs a Docker engine: " + p
                    + "; install one (apt-get install docker.io, then start dockerd) or use --backend local");
        });
        return DockerClientFactory.instance().client();
    }

    /**
     * The address clients use for ports the engine publishes: Testcontainers' answer (which honours
     * TESTCONTAINERS_HOST_OVERRIDE), with "localhost" pinned to IPv4 since ports are published on 127.0.0.1.
     */
    static String host() {
        String h = DockerClientFactory.instance().dockerHostIpAddress();
        return h.equals("localhost") ? "127.0.0.1" : h;
    }

    /**
     * The base image: {@code explicit} (--base-image, RAFTKV_CHAOS_BASE_IMAGE) when given; otherwise the
     * offline image when this engine has it, else the public one.
     */
    static String baseImage(String explicit, Map<String, String> env, DockerClient docker) {
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String fromEnv = env.get("RAFTKV_CHAOS_BASE_IMAGE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return exists(docker, OFFLINE_BASE_IMAGE) ? OFFLINE_BASE_IMAGE : PUBLIC_BASE_IMAGE;
    }

    static boolean exists(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }
}
