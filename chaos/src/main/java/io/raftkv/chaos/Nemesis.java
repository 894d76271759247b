package io.raftkv.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link NemesisSchedule} against a cluster on its own thread, on the real clock: quiet gap, fault,
 * undo, and so on, recording each window. Stopping undoes the fault in force; {@link #healAll()} then
 * brings every node back and every link to normal.
 */
final class Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

    private final Cluster cluster;
    private final History history;
    private final NemesisSchedule schedule;
    private final List<FaultWindow> windows = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final List<ReturningFollower.Observation> returns = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Duration opTimeout;
    private Thread thread;

    /** @param opTimeout the workloads' operation timeout, for the load the returning-follower fault drives */
    Nemesis(Cluster cluster, History history, NemesisSchedule schedule, Duration opTimeout) {
        this.cluster = cluster;
        this.history = history;
        this.schedule = schedule;
        this.opTimeout = opTimeout;
    }

    void start() {
        thread = new Thread(this::run, "nemesis");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until the schedule has run to its end, or until {@code deadlineNanos}; true if it ended. */
    boolean awaitFinished(long deadlineNanos) {
        try {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Ends the schedule early (undoing the fault in force) and waits for the thread. */
    void stop() {
        stop.countDown();
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    synchronized List<FaultWindow> windows() {
        return List.copyOf(windows);
    }

    synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    /** What each returning-follower fault observed in its heal window. */
    synchronized List<ReturningFollower.Observation> returns() {
        return List.copyOf(returns);
    }

    /** True if told to stop while waiting. */
    private boolean await(Duration d) {
        try {
            return stop.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void run() {
        for (NemesisSchedule.Step step : schedule.steps()) {
            if (await(step.quietBefore())) {
                return;
            }
            Applied a;
            long start = history.now();
            try {
                a = apply(step);
            } catch (RuntimeException e) {
                record("fault " + step.index() + " (" + step.kind().label + ") could not be applied: " + e.getMessage());
                healAll();
                continue;
            }
            LOG.info("nemesis: {} {}", step.kind().label, a.description());
            boolean stopped = step.kind().selfTimed() ? stop.getCount() == 0 : await(step.duration());
            try {
                undo(step, a);
            } catch (RuntimeException e) {
                record("fault " + step.index() + " (" + step.kind().label + ") could not be undone: " + e.getMessage());
                healAll();
            }
            synchronized (this) {
                windows.add(new FaultWindow(step.index(), step.kind(), a.description(), a.targets(), start, history.now()));
            }
            LOG.info("nemesis: {} healed", step.kind().label);
            if (stopped) {
                return;
            }
        }
    }

    private synchronized void record(String error) {
        LOG.warn("nemesis: {}", error);
        errors.add(error);
    }

    private record Applied(String description, List<Integer> targets) {
    }

    private record Target(int node, String note) {
    }

    /** The node a single-node fault hits: the leader for leader faults (if there is one right now). */
    private Target target(NemesisSchedule.Step step) {
        if (step.kind().targetsLeader()) {
            return cluster.leader().map(l -> new Target(l, " (leader)"))
                    .orElse(new Target(step.order().get(0), " (no leader known: the plan's node instead)"));
        }
        return new Target(step.order().get(0), "");
    }

    private Applied apply(NemesisSchedule.Step step) {
        List<Integer> nodes = cluster.nodes();
        switch (step.kind()) {
            case ISOLATE:
            case ISOLATE_LEADER: {
                Target t = target(step);
                cluster.partition(Grudge.isolate(nodes, t.node()));
                return new Applied("isolated node " + t.node() + t.note(), List.of(t.node()));
            }
            case HALVES: {
                Grudge g = Grudge.halves(step.order());
                cluster.partition(g);
                return new Applied("halves: minority " + step.order().subList(0, nodes.size() / 2) + " | majority "
                        + step.order().subList(nodes.size() / 2, nodes.size()), step.order().subList(0, nodes.size() / 2));
            }
            case BRIDGE: {
                cluster.partition(Grudge.bridge(step.order()));
                int bridge = step.order().get(nodes.size() / 2);
                return new Applied("bridge through node " + bridge + ": " + step.order().subList(0, nodes.size() / 2)
                        + " | " + step.order().subList(nodes.size() / 2 + 1, nodes.size()), List.of(bridge));
            }
            case ONE_WAY: {
                int n = step.order().get(0);
                cluster.partition(Grudge.oneWay(nodes, n, step.inbound()));
                return new Applied("one-way: " + (step.inbound() ? "nobody can send to node " + n
                        : "node " + n + " cannot send to anyone"), List.of(n));
            }
            case RING: {
                cluster.partition(Grudge.majoritiesRing(step.order()));
                return new Applied("majorities ring " + step.order(), step.order());
            }
            case KILL:
            case KILL_LEADER: {
                Target t = target(step);
                cluster.kill(t.node());
                return new Applied("killed node " + t.node() + t.note(), List.of(t.node()));
            }
            case PAUSE:
            case PAUSE_LEADER: {
                Target t = target(step);
                cluster.pause(t.node());
                return new Applied("paused node " + t.node() + t.note(), List.of(t.node()));
            }
            case SLOW: {
                cluster.slowLinks(cluster.links(), step.delay(), step.jitter());
                return new Applied("all links slow: " + step.delay().toMillis() + " ms + up to " + step.jitter().toMillis()
                        + " ms", nodes);
            }
            case ROLLING_RESTART: {
                List<Integer> done = new ArrayList<>();
                for (int n : step.order()) {
                    if (stop.getCount() == 0) {
                        break;
                    }
                    cluster.stop(n);
                    cluster.start(n);
                    done.add(n);
                }
                return new Applied("rolling restart (graceful stop, start) of nodes " + done, done);
            }
            case REPLACE_MEMBER: {
                int n = step.order().get(0);
                return new Applied(cluster.replaceMember(n, Duration.ofSeconds(60)), List.of(n));
            }
            case RETURNING_FOLLOWER: {
                ReturningFollower.Observation o = new ReturningFollower(cluster, opTimeout, ReturningFollower.Settings.DEFAULT,
                        history::now).run(step.order());
                synchronized (this) {
                    returns.add(o);
                }
                return new Applied(o.describe(), List.of(o.follower()));
            }
            case LOSSY: {
                cluster.lossyLinks(cluster.links(), step.loss());
                return new Applied(String.format(java.util.Locale.ROOT, "all links lossy: %.0f%% of chunks", 100 * step.loss()),
                        nodes);
            }
            default:
                throw new AssertionError(step.kind());
        }
    }

    private void undo(NemesisSchedule.Step step, Applied a) {
        switch (step.kind()) {
            case KILL:
            case KILL_LEADER:
                a.targets().forEach(cluster::start);
                break;
            case PAUSE:
            case PAUSE_LEADER:
                a.targets().forEach(cluster::resume);
                break;
            case ROLLING_RESTART:
            case REPLACE_MEMBER:
            case RETURNING_FOLLOWER:
                // Done inside the window: every node runs again, and the cluster has its size back.
                break;
            default:
                cluster.heal();
        }
    }

    /** Every link healed, every paused node resumed, every dead node started. */
    void healAll() {
        try {
            cluster.heal();
            for (int n : cluster.nodes()) {
                if (cluster.isPaused(n)) {
                    cluster.resume(n);
                }
                if (!cluster.isRunning(n)) {
                    cluster.start(n);
                }
            }
        } catch (RuntimeException e) {
            record("could not heal the cluster: " + e.getMessage());
        }
    }
}
