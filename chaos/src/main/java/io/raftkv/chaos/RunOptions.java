package io.raftkv.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Everything that defines a run. The same options with the same seed replay the same fault plan.
 *
 * @param backend          "local" (processes and fault proxies) or "docker" (containers and iptables)
 * @param nodes            cluster size
 * @param nemeses          the faults to draw from (empty: no faults, a baseline)
 * @param time             how long clients run; faults fill all but the last {@link #tail()}
 * @param seed             seeds the fault plan and the clients' choices
 * @param serverJar        the server's runnable jar
 * @param runsDir          each run writes into a new directory under this
 * @param clients          register client threads
 * @param rate             register operations per second over all clients
 * @param setClients       set-add client threads (0: no set workload)
 * @param setRate          set adds per second
 * @param opTimeout        client deadline of each operation
 * @param tick             server --tick
 * @param electionTicks    server --election-ticks
 * @param unsafeLocalReads start servers with --unsafe-local-reads (the negative control)
 * @param checkBudget      time the linearizability checker may take before answering unknown
 * @param timing           fault and quiet durations (null: scaled from the tick)
 * @param javaOpts         JVM options for server nodes
 * @param baseImage        docker backend: the image node images are built from (null: the offline base
 *                         image when the engine has it, else a public JRE image)
 * @param library          the workloads through the client library (register client, counters)
 * @param tls              local backend: TLS on every port, client certificates required, peers mutual ({@link ChaosTls})
 */
record RunOptions(String backend, int nodes, Set<FaultKind> nemeses, Duration time, long seed, Path serverJar,
                  Path runsDir, int clients, double rate, int setClients, double setRate, Duration opTimeout,
                  Duration tick, int electionTicks, boolean unsafeLocalReads, Duration checkBudget,
                  NemesisSchedule.Timing timing, List<String> javaOpts, String baseImage, LibraryOptions library,
                  boolean tls) {
    RunOptions {
        nemeses = Set.copyOf(nemeses);
        javaOpts = List.copyOf(javaOpts);
        if (nodes < 1 || nodes > 9) {
            throw new IllegalArgumentException("--nodes must be 1..9, got " + nodes);
        }
        if (time.compareTo(Duration.ofSeconds(5)) < 0) {
            throw new IllegalArgumentException("--time must be at least 5s, got " + time);
        }
        java.util.Objects.requireNonNull(library, "library");
        if (clients < 1 || rate <= 0 || setClients < 0 || (setClients > 0 && setRate <= 0)) {
            throw new IllegalArgumentException("need at least one client and positive rates");
        }
        if (!backend.equals("local") && !backend.equals("docker")) {
            throw new IllegalArgumentException("--backend must be local or docker, got " + backend);
        }
        if (backend.equals("docker") && tls) {
            throw new IllegalArgumentException("--tls is for --backend local");
        }
        if (backend.equals("docker")) {
            for (FaultKind k : nemeses) {
                if (DockerCluster.UNSUPPORTED.contains(k)) {
                    throw new IllegalArgumentException("the " + k.label + " fault is not available with --backend docker "
                            + "(iptables cannot delay packets and this kernel has no tc netem): use --backend local for it");
                }
            }
        }
        if (timing == null) {
            timing = NemesisSchedule.Timing.forTick(tick);
        }
    }

    /** Defaults for a run of {@code time} on {@code nodes} nodes: 50 ms ticks, 10 clients at 200 ops/s. */
    static RunOptions defaults(int nodes, Set<FaultKind> nemeses, Duration time, long seed, Path serverJar, Path runsDir) {
        Duration tick = Duration.ofMillis(50);
        return new RunOptions("local", nodes, nemeses, time, seed, serverJar, runsDir, 10, 200, 2, 20,
                opTimeoutFor(tick), tick, 10, false, Duration.ofSeconds(60), null, LocalCluster.Settings.DEFAULT_JAVA_OPTS, null,
                LibraryOptions.DEFAULT, false);
    }

    /** Long enough for an election or two (10-20 ticks each), at least a second. */
    static Duration opTimeoutFor(Duration tick) {
        Duration d = tick.multipliedBy(30);
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /** The quiet end of the run: faults stop, clients go on, so recovery is measured and checked. */
    Duration tail() {
        Duration fifth = time.dividedBy(5);
        Duration min = Duration.ofSeconds(3);
        Duration max = Duration.ofSeconds(10);
        return fifth.compareTo(min) < 0 ? min : fifth.compareTo(max) > 0 ? max : fifth;
    }

    RunOptions withUnsafeLocalReads(boolean unsafe) {
        return new RunOptions(backend, nodes, nemeses, time, seed, serverJar, runsDir, clients, rate, setClients, setRate,
                opTimeout, tick, electionTicks, unsafe, checkBudget, timing, javaOpts, baseImage, library, tls);
    }

    RunOptions withTiming(NemesisSchedule.Timing t) {
        return new RunOptions(backend, nodes, nemeses, time, seed, serverJar, runsDir, clients, rate, setClients, setRate,
                opTimeout, tick, electionTicks, unsafeLocalReads, checkBudget, t, javaOpts, baseImage, library, tls);
    }

    RunOptions withBackend(String b, String image) {
        return new RunOptions(b, nodes, nemeses, time, seed, serverJar, runsDir, clients, rate, setClients, setRate,
                opTimeout, tick, electionTicks, unsafeLocalReads, checkBudget, timing, javaOpts, image, library, tls);
    }

    RunOptions withTls(boolean on) {
        return new RunOptions(backend, nodes, nemeses, time, seed, serverJar, runsDir, clients, rate, setClients, setRate,
                opTimeout, tick, electionTicks, unsafeLocalReads, checkBudget, timing, javaOpts, baseImage, library, on);
    }

    RunOptions withLibrary(LibraryOptions l) {
        return new RunOptions(backend, nodes, nemeses, time, seed, serverJar, runsDir, clients, rate, setClients, setRate,
                opTimeout, tick, electionTicks, unsafeLocalReads, checkBudget, timing, javaOpts, baseImage, l, tls);
    }

    /** The command line that replays this run. */
    String replayCommand() {
        StringBuilder b = new StringBuilder("bin/raftkv chaos --backend ").append(backend).append(" --nodes ").append(nodes)
                .append(" --nemesis ").append(nemeses.isEmpty() ? "none" : String.join(",", nemeses.stream()
                        .sorted().map(k -> k.label).toList()))
                .append(" --time ").append(time.toMillis()).append("ms --seed ").append(seed)
                .append(" --tick ").append(tick.toMillis()).append("ms --election-ticks ").append(electionTicks)
                .append(" --clients ").append(clients)
                .append(" --rate ").append((long) rate);
        if (!opTimeout.equals(opTimeoutFor(tick))) {
            b.append(" --op-timeout ").append(opTimeout.toMillis()).append("ms");
        }
        if (!timing.equals(NemesisSchedule.Timing.forTick(tick))) {
            b.append(" --fault-time ").append(timing.faultMin().toMillis()).append("ms..").append(timing.faultMax().toMillis())
                    .append("ms --quiet-time ").append(timing.quietMin().toMillis()).append("ms..")
                    .append(timing.quietMax().toMillis()).append("ms");
        }
        if (setClients != 2 || setRate != 20) {
            b.append(" --set-clients ").append(setClients).append(" --set-rate ").append((long) setRate);
        }
        if (library.registerClient() != LibraryOptions.DEFAULT.registerClient()) {
            b.append(" --client ").append(library.registerClient().label());
        }
        if (library.counterClients() != LibraryOptions.DEFAULT.counterClients()
                || library.counterRate() != LibraryOptions.DEFAULT.counterRate()) {
            b.append(" --counter-clients ").append(library.counterClients()).append(" --counter-rate ")
                    .append((long) library.counterRate());
        }
        if (unsafeLocalReads) {
            b.append(" --unsafe-local-reads");
        }
        if (library.brokenSessions()) {
            b.append(" --broken-sessions");
        }
        if (baseImage != null) {
            b.append(" --base-image ").append(baseImage);
        }
        if (tls) {
            b.append(" --tls");
        }
        return b.toString();
    }
}
