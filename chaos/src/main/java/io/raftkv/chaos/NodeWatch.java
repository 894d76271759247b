package io.raftkv.chaos;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks for nodes that exited on their own once a second while the run goes on, so an exit is logged (with
 * its last log lines) when it happens, not only at the end. The backends also note an exit just before they
 * start a node again, so none hides behind a restart; the run reads {@link Cluster#unexpectedExits()} last.
 */
final class NodeWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeWatch.class);

    private final Cluster cluster;
    private final Set<NodeExit> logged = new HashSet<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chaos-node-watch");
        t.setDaemon(true);
        return t;
    });

    NodeWatch(Cluster cluster) {
        this.cluster = cluster;
        timer.scheduleWithFixedDelay(this::look, 1, 1, TimeUnit.SECONDS);
    }

    private void look() {
        try {
            for (NodeExit e : cluster.unexpectedExits()) {
                if (logged.add(e)) {
                    LOG.error("chaos run: {}", e.describe());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not look at the nodes: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
