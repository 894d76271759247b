package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;
import io.raftkv.raft.StateRole;
import io.raftkv.server.transport.Usage;
import io.raftkv.storage.Alarm;
import io.raftkv.storage.Command;
import io.raftkv.storage.RaftStore;
import io.raftkv.storage.Request;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NOSPACE alarm (etcd's space quota, made to clear by itself). Every member measures its own space
 * (replicated state size, free disk) and answers it to every peer probe; the leader raises NOSPACE through
 * the log for a member past its quota or short of disk, and clears it once that member is below 95% of the
 * quota with the disk free again. While any NOSPACE alarm is active, admission refuses writes that add
 * data (puts, transactions with puts, new sessions) with RESOURCE_EXHAUSTED naming the alarm; reads,
 * deletes and everything else keep working. A member with the alarm compacts its store on every check, so
 * the space deleted keys held is actually returned and the alarm can clear.
 */
final class SpaceMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceMonitor.class);
    static final Duration CHECK_EVERY = Duration.ofSeconds(2);
    /** A peer's space older than this is not judged (the peer may be down; its alarm stays as it is). */
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final double CLEAR_BELOW = 0.95;

    private final ServerConfig config;
    private final RaftNode node;
    private final RaftStore store;
    private final ConcurrentHashMap<Long, Usage> peers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private volatile Usage self = Usage.UNKNOWN;

    SpaceMonitor(ServerConfig config, RaftNode node, RaftStore store) {
        this.config = config;
        this.node = node;
        this.store = store;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-space-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.scheduleWithFixedDelay(new Check(), 0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node's space as last measured (answered to probes). */
    Usage usage() {
        return self;
    }

    void peerUsage(long peer, Usage u) {
        peers.put(peer, u);
    }

    /** The refusal for a write that adds data while a NOSPACE alarm is active, or null. */
    static NodeException refusal(List<Alarm> alarms) {
        for (Alarm a : alarms) {
            if (a.type() == Alarm.Type.NOSPACE) {
                return NodeException.of(ErrorDetail.Code.NO_SPACE, "NOSPACE alarm on "
                        + (a.member() == 0 ? "the cluster" : "member " + a.member()) + ": " + a.detail()
                        + "; writes that add data are refused (not applied) until space is freed: delete keys, or "
                        + "raise --quota-backend-bytes; reads and deletes work, the alarm clears by itself");
            }
        }
        return null;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Check implements Runnable {
        @Override
        public void run() {
            try {
                if (store.failure().isPresent()) {
                    return;
                }
                self = new Usage(store.stateSizeBytes(), store.diskFreeBytes(), System.nanoTime());
                if (alarmed(config.nodeId())) {
                    store.reclaimSpace();
                    self = new Usage(store.stateSizeBytes(), store.diskFreeBytes(), System.nanoTime());
                }
                if (node.status().role() == StateRole.LEADER && node.halted() == null) {
                    judgeMembers();
                }
            } catch (RuntimeException e) {
                LOG.warn("node {}: space check failed: {}", config.nodeId(), e.toString());
            }
        }

        private void judgeMembers() {
            long now = System.nanoTime();
            for (long id : node.status().conf().allMembers()) {
                Usage u = id == config.nodeId() ? self : peers.getOrDefault(id, Usage.UNKNOWN);
                if (!u.known() || now - u.measuredAtNanos() > FRESH_NANOS) {
                    continue;
                }
                boolean alarmed = alarmed(id);
                String why = over(u);
                if (why != null && !alarmed) {
                    LOG.warn("node {}: raising NOSPACE for member {}: {}", config.nodeId(), id, why);
                    propose(new Command.SetAlarm(id, Alarm.Type.NOSPACE, true, why));
                } else if (why == null && alarmed && clear(u)) {
                    LOG.info("node {}: clearing NOSPACE for member {}: state {} bytes, {} bytes of disk free", config.nodeId(),
                            id, u.stateBytes(), u.diskFreeBytes());
                    propose(new Command.SetAlarm(id, Alarm.Type.NOSPACE, false, ""));
                }
            }
        }

        private String over(Usage u) {
            ServerConfig.Space s = config.space();
            if (u.stateBytes() > s.quotaBytes()) {
                return "state is " + u.stateBytes() + " bytes, past the quota of " + s.quotaBytes() + " bytes";
            }
            if (u.diskFreeBytes() < s.minFreeDiskBytes()) {
                return "only " + u.diskFreeBytes() + " bytes of disk free, below " + s.minFreeDiskBytes() + " bytes";
            }
            return null;
        }

        private boolean clear(Usage u) {
            ServerConfig.Space s = config.space();
            return u.stateBytes() < CLEAR_BELOW * s.quotaBytes() && u.diskFreeBytes() >= s.minFreeDiskBytes();
        }

        private boolean alarmed(long id) {
            return store.stateMachine().alarms().stream().anyMatch(a -> a.type() == Alarm.Type.NOSPACE && a.member() == id);
        }

        private void propose(Command.SetAlarm a) {
            node.propose(Request.of(a), Duration.ofSeconds(5)).whenComplete((r, t) -> {
                if (t != null) {
                    LOG.warn("node {}: could not set {}: {}", config.nodeId(), a, t.toString());
                }
            });
        }
    }
}
