package io.raftkv.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What every call shares: settings, endpoints, backoff, and the client's own threads. The client owns all
 * its threads (named {@code raftkv-client-*}): a callback executor, one timer thread and a small Netty
 * event-loop group, so {@link #close()} can stop every one of them and nothing is borrowed from gRPC's
 * process-wide pools.
 */
final class ClientCore implements AutoCloseable {
    /** JDK platform logging: the client forces no logging backend on the application (SLF4J users bridge it). */
    private static final System.Logger LOG = System.getLogger(ClientCore.class.getName());
    static final String THREAD_PREFIX = "raftkv-client-";
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final ClientConfig config;
    private final Backoff backoff;
    private final ExecutorService executor;
    private final ScheduledThreadPoolExecutor timer;
    private final EventLoopGroup eventLoops;
    private final Scheduler scheduler;
    private final Endpoints endpoints;
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    /** Plaintext or TLS ({@link TlsOptions}), the same for every channel. */
    private final ChannelCredentials credentials;
    private volatile boolean closed;
    /** The auth token when the client has credentials; null without. */
    private final TokenSource tokens;

    ClientCore(ClientConfig config) {
        this.config = config;
        // First, before any thread starts: unusable TLS files fail the build, not the first call.
        this.credentials = credentials(config);
        this.backoff = new Backoff(config.backoffBase().toNanos(), config.backoffCap().toNanos(), config.random());
        int id = CLIENT_IDS.incrementAndGet();
        int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                threads(id, "exec"));
        this.timer = new ScheduledThreadPoolExecutor(1, threads(id, "timer"));
        timer.setRemoveOnCancelPolicy(true);
        Function<String, ManagedChannel> factory = config.channelFactory();
        if (factory == null) {
            this.eventLoops = new NioEventLoopGroup(Math.min(2, threads), threads(id, "io"));
            factory = this::nettyChannel;
        } else {
            this.eventLoops = null;
        }
        this.scheduler = config.scheduler() != null ? config.scheduler() : new TimerScheduler(timer);
        this.endpoints = new Endpoints(config, factory);
        this.tokens = config.credentials() == null ? null : new TokenSource(this, config.credentials());
    }

    TokenSource tokens() {
        return tokens;
    }

    private static ThreadFactory threads(int clientId, String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, THREAD_PREFIX + clientId + "-" + role + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static ChannelCredentials credentials(ClientConfig config) {
        if (config.tls() == null) {
            return InsecureChannelCredentials.create();
        }
        ChannelCredentials c = config.tls().credentials();
        try {
            // Building a channel builder parses the certificates and key; nothing connects.
            NettyChannelBuilder.forTarget(config.endpoints().get(0), c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the client's TLS files cannot be used (" + config.tls() + "): "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        return c;
    }

    private ManagedChannel nettyChannel(String address) {
        return NettyChannelBuilder.forTarget(address, credentials)
                .eventLoopGroup(eventLoops)
                .channelType(NioSocketChannel.class)
                .executor(executor)
                .offloadExecutor(executor)
                // Pings detect a dead connection during a call; without calls the server would count them as
                // abuse (its default permit is one ping per five minutes without calls).
                .keepAliveTime(config.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(config.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveWithoutCalls(false)
                .maxInboundMessageSize(config.maxInboundMessageBytes())
                .build();
    }

    ClientConfig config() {
        return config;
    }

    TimeSource time() {
        return config.time();
    }

    Backoff backoff() {
        return backoff;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    ExecutorService executor() {
        return executor;
    }

    /** Whether batchable requests ride the endpoints' batch streams ({@link OpStream}); interceptors see per-request calls. */
    boolean batching() {
        return config.batching() && config.interceptors().isEmpty();
    }

    long attemptTimeoutNanos() {
        return config.attemptTimeout().toNanos();
    }

    boolean isClosed() {
        return closed;
    }

    /** The deadline of a call starting now. */
    long deadlineFromNow() {
        return config.time().nanoTime() + config.requestTimeout().toNanos();
    }

    /** Starts a call with the default deadline. */
    <Req, Resp> CompletableFuture<Resp> call(Call.Spec<Req, Resp> spec) {
        return call(spec, deadlineFromNow());
    }

    <Req, Resp> CompletableFuture<Resp> call(Call.Spec<Req, Resp> spec, long deadlineNanos) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        return Call.start(this, spec, deadlineNanos);
    }

    /** A call close() may have to end: only the call knows what its failure means for the request. */
    interface InFlight {
        CompletableFuture<?> future();

        /** Ends the call because the client closed (no-op if it already ended). */
        void clientClosed();
    }

    /** Tracks a call so that close() can end it if nothing else will. */
    void register(InFlight call) {
        inFlight.add(call);
        call.future().whenComplete((v, t) -> inFlight.remove(call));
    }

    /**
     * Closes channels first (in-flight attempts fail and their calls end as "client closed"), then lets the
     * callback executor run what the channels handed it, then stops the timer and the event loops. Calls
     * parked in a backoff are completed here, so no future is left hanging.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Endpoint> all = endpoints.close();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            for (Endpoint e : all) {
                if (!e.awaitTermination(Math.max(0, until - System.nanoTime()))) {
                    LOG.log(System.Logger.Level.WARNING, "channel to " + e + " did not terminate within 5 s");
                }
            }
            executor.shutdown();
            if (!executor.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "client callbacks still running 5 s after close(); interrupting them");
                executor.shutdownNow();
            }
            timer.shutdownNow();
            timer.awaitTermination(1, TimeUnit.SECONDS);
            if (eventLoops != null) {
                eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
            timer.shutdownNow();
            if (eventLoops != null) {
                eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
        } finally {
            for (InFlight c : List.copyOf(inFlight)) {
                c.clientClosed();
            }
        }
    }

    /** {@link Scheduler} on the client's timer thread. */
    private static final class TimerScheduler implements Scheduler {
        private final ScheduledThreadPoolExecutor timer;

        TimerScheduler(ScheduledThreadPoolExecutor timer) {
            this.timer = timer;
        }

        @Override
        public Task schedule(Runnable task, long delayNanos) {
            ScheduledFuture<?> f = timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public Task scheduleEvery(Runnable task, long periodNanos) {
            ScheduledFuture<?> f = timer.scheduleWithFixedDelay(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
