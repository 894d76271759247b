package io.raftkv.client;

import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.raftkv.proto.AddMemberRequest;
import io.raftkv.proto.CheckStateRequest;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.MemberChangeResponse;
import io.raftkv.proto.PromoteMemberRequest;
import io.raftkv.proto.RemoveMemberRequest;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.DisarmAlarmResponse;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.MaintenanceGrpc;
import io.raftkv.proto.SnapshotRequest;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TransferLeadershipRequest;
import io.raftkv.proto.TransferLeadershipResponse;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A client of a raftkv cluster. Thread-safe; create one per application and close it when done.
 *
 * <pre>{@code
 * try (RaftKvClient client = RaftKvClient.builder().endpoints("10.0.0.1:7001", "10.0.0.2:7001").build()) {
 *     client.put("greeting", "hello");
 *     client.get("greeting").valueUtf8();          // Optional[hello]
 * }
 * }</pre>
 *
 * <p>Every operation has a synchronous form, which throws a {@link RaftKvException}, and an asynchronous
 * form, whose future completes exceptionally with one. Asynchronous results complete on the client's own
 * threads: do not block in their callbacks. A call gives up after {@code requestTimeout} or
 * {@code maxAttempts} attempts, whichever comes first.
 *
 * <p>Calls made after {@link #close()} throw {@link IllegalStateException}.
 *
 * <p>Writes made directly on the client are outside a session (unless built with
 * {@link Builder#exactlyOnce(boolean) exactlyOnce(true)}): they are retried only when the cluster
 * guarantees they were not applied, and fail with {@link IndeterminateException} when the outcome is
 * unknown. For exactly-once writes use {@link #session()}.
 */
public final class RaftKvClient implements KvWriter, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RaftKvClient.class.getName());
    private final ClientCore core;
    private final AuthAdmin auth;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** With exactlyOnce(true): the session the client's own writes go through. */
    private final Session defaultSession;

    private RaftKvClient(ClientConfig config) {
        this.core = new ClientCore(config);
        this.auth = new AuthAdmin(core);
        this.defaultSession = config.exactlyOnce() ? newSession(config.sessionTtl()) : null;
    }

    /** A builder; {@link Builder#endpoints(String...)} is required, everything else has a default. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ writes

    @Override
    public CompletableFuture<PutResult> putAsync(ByteString key, ByteString value) {
        if (defaultSession != null) {
            return defaultSession.putAsync(key, value);
        }
        return write("put", KVGrpc.getPutMethod(), PutRequest.newBuilder().setKey(key).setValue(value).build())
                .thenApply(Wire::put);
    }

    @Override
    public CompletableFuture<DeleteResult> deleteAsync(ByteString key) {
        if (defaultSession != null) {
            return defaultSession.deleteAsync(key);
        }
        return write("delete", KVGrpc.getDeleteMethod(), DeleteRequest.newBuilder().setKey(key).build())
                .thenApply(Wire::delete);
    }

    @Override
    public CompletableFuture<CasResult> compareAndSetAsync(ByteString key, Expected expected, ByteString newValue) {
        if (defaultSession != null) {
            return defaultSession.compareAndSetAsync(key, expected, newValue);
        }
        return write("compare-and-set", KVGrpc.getCompareAndSetMethod(), Wire.cas(key, expected, newValue).build())
                .thenApply(Wire::cas);
    }

    @Override
    public Txn txn() {
        if (defaultSession != null) {
            return defaultSession.txn();
        }
        return new Txn(b -> write("txn", KVGrpc.getTxnMethod(), b.build()).thenApply(Wire::txn), Call.Safety.UNSAFE_WRITE);
    }

    Call.Safety writeSafety() {
        return defaultSession != null ? Call.Safety.SESSION_WRITE : Call.Safety.UNSAFE_WRITE;
    }

    private <Req, Resp> CompletableFuture<Resp> write(String what, MethodDescriptor<Req, Resp> method, Req req) {
        return core.call(new Call.Spec<>(what, method, req, Call.Route.LEADER, Call.Safety.UNSAFE_WRITE, 0));
    }

    // ------------------------------------------------------------------ sessions

    /**
     * Opens a session for exactly-once writes, registered through the log before this returns. The session
     * uses the builder's {@code sessionTtl}; close it when done.
     *
     * @throws UnavailableException if the cluster could not register it within the request timeout
     */
    public Session session() {
        return Await.result(sessionAsync(), Call.Safety.IDEMPOTENT);
    }

    /** The asynchronous form of {@link #session()}. */
    public CompletableFuture<Session> sessionAsync() {
        Session s = newSession(core.config().sessionTtl());
        return s.openAsync().whenComplete((ok, t) -> {
            if (t != null) {
                s.close();
            }
        });
    }

    private Session newSession(Duration ttl) {
        if (core.isClosed()) {
            throw new IllegalStateException("the client is closed");
        }
        Session[] self = new Session[1];
        self[0] = new Session(core, ttl.toMillis(), () -> sessions.remove(self[0]));
        sessions.add(self[0]);
        return self[0];
    }

    // ------------------------------------------------------------------ reads

    /** Reads {@code key} with the default consistency; a missing key is {@code found() == false}. */
    public CompletableFuture<GetResult> getAsync(ByteString key) {
        return getAsync(key, core.config().defaultConsistency());
    }

    /**
     * Reads {@code key}. {@link ReadConsistency#LINEARIZABLE} goes to the leader;
     * {@link ReadConsistency#SERIALIZABLE} to any healthy node, round-robin. Reads are always safe to retry,
     * so every retryable failure is retried.
     */
    public CompletableFuture<GetResult> getAsync(ByteString key, ReadConsistency consistency) {
        Objects.requireNonNull(consistency, "consistency");
        GetRequest req = GetRequest.newBuilder().setKey(key).setConsistency(Wire.consistency(consistency)).build();
        return read("get", KVGrpc.getGetMethod(), req, consistency).thenApply(Wire::get);
    }

    /** Reads a UTF-8 key with the default consistency. */
    public CompletableFuture<GetResult> getAsync(String key) {
        return getAsync(ByteString.copyFromUtf8(key));
    }

    /** Reads a UTF-8 key; see {@link #getAsync(ByteString, ReadConsistency)}. */
    public CompletableFuture<GetResult> getAsync(String key, ReadConsistency consistency) {
        return getAsync(ByteString.copyFromUtf8(key), consistency);
    }

    /** Synchronous {@link #getAsync(ByteString)}. */
    public GetResult get(ByteString key) {
        return Await.result(getAsync(key), Call.Safety.IDEMPOTENT);
    }

    /** Synchronous read of a UTF-8 key with the default consistency. */
    public GetResult get(String key) {
        return get(ByteString.copyFromUtf8(key));
    }

    /** Synchronous {@link #getAsync(ByteString, ReadConsistency)}. */
    public GetResult get(ByteString key, ReadConsistency consistency) {
        return Await.result(getAsync(key, consistency), Call.Safety.IDEMPOTENT);
    }

    /** Synchronous read of a UTF-8 key. */
    public GetResult get(String key, ReadConsistency consistency) {
        return get(ByteString.copyFromUtf8(key), consistency);
    }

    /**
     * The keys of {@code scan} in key order, fetched lazily one page per round trip (each page is its own
     * read with its own retries and deadline; a page failure is thrown from the stream's terminal
     * operation). Pages are not one snapshot: each page is linearizable (or serializable) on its own.
     */
    public Stream<KeyValue> scan(Scan scan) {
        Objects.requireNonNull(scan, "scan");
        Iterator<KeyValue> it = new Iterator<>() {
            private Iterator<KeyValue> page = List.<KeyValue>of().iterator();
            private ByteString token = ByteString.EMPTY;
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    ScanPage p = scanPage(scan, token);
                    page = p.kvs().iterator();
                    token = p.nextPageToken();
                    last = p.last();
                }
                return page.hasNext();
            }

            @Override
            public KeyValue next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it,
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE), false);
    }

    /** One page of {@code scan}, starting at {@code pageToken} (empty: the first page). */
    public CompletableFuture<ScanPage> scanPageAsync(Scan scan, ByteString pageToken) {
        ReadConsistency c = scan.consistency() == null ? core.config().defaultConsistency() : scan.consistency();
        return read("scan", KVGrpc.getScanMethod(),
                Wire.scan(scan, pageToken, core.config().scanPageSize(), core.config().defaultConsistency()), c)
                .thenApply(Wire::page);
    }

    /** Synchronous {@link #scanPageAsync(Scan, ByteString)}. */
    public ScanPage scanPage(Scan scan, ByteString pageToken) {
        return Await.result(scanPageAsync(scan, pageToken), Call.Safety.IDEMPOTENT);
    }

    private <Req, Resp> CompletableFuture<Resp> read(String what, MethodDescriptor<Req, Resp> method, Req req,
                                                     ReadConsistency c) {
        // Every member serves both kinds: a follower confirms a linearizable read with the leader (one
        // ReadIndex round shared by all its waiting reads) and answers from its own state, so reads spread
        // over the healthy members instead of all landing on the leader.
        return core.call(new Call.Spec<>(what, method, req, Call.Route.ANY, Call.Safety.IDEMPOTENT, 0));
    }

    // ------------------------------------------------------------------ cluster

    /**
     * The status of one node, the cached leader if there is one. Also refreshes what the client knows:
     * the leader's address, and drops learned endpoints that are no longer members (closing their channels).
     */
    public CompletableFuture<ClusterStatus> statusAsync() {
        return core.call(new Call.Spec<>("status", ClusterGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(),
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(this::learnFrom);
    }

    /** Synchronous {@link #statusAsync()}. */
    public ClusterStatus status() {
        return Await.result(statusAsync(), Call.Safety.IDEMPOTENT);
    }

    private ClusterStatus learnFrom(StatusResponse s) {
        List<String> members = new ArrayList<>();
        s.getMembersList().forEach(m -> {
            if (!m.getClientAddress().isEmpty()) {
                members.add(m.getClientAddress());
            }
        });
        if (!members.isEmpty()) {
            core.endpoints().retainLearned(members);
        }
        if (!s.getLeaderAddress().isEmpty()) {
            Endpoint leader = core.endpoints().learn(s.getLeaderAddress());
            if (leader != null) {
                core.endpoints().leaderIs(leader);
            }
        }
        return Wire.status(s);
    }

    /**
     * Adds node {@code id}, reachable by its peers at {@code peerAddress}, as a learner (it receives the log
     * without counting in any quorum) or as a voter. The safe way to grow or replace a node is a learner
     * first, started with {@code raftkv server --join <clusterId>}, then {@link #promoteMemberAsync}. Ids are
     * never reused. Refusals: {@link InvalidArgumentException} (already a member, an id used before, a bad or
     * duplicate address), {@link UnavailableException} while a precondition does not hold (too few active
     * voters for a voter, another change not yet applied). Not retried once it may have been applied: an
     * {@link IndeterminateException} then means "look at the members before trying again".
     *
     * @param clientAddress the new node's client address, or empty to learn it once the node runs
     */
    public CompletableFuture<MembershipChange> addMemberAsync(long id, String peerAddress, String clientAddress, boolean learner) {
        return membership("add member", ClusterGrpc.getAddMemberMethod(), AddMemberRequest.newBuilder().setId(id)
                .setPeerAddress(peerAddress).setClientAddress(clientAddress).setLearner(learner).build());
    }

    /** Synchronous {@link #addMemberAsync}. */
    public MembershipChange addMember(long id, String peerAddress, String clientAddress, boolean learner) {
        return Await.result(addMemberAsync(id, peerAddress, clientAddress, learner), Call.Safety.UNSAFE_WRITE);
    }

    /**
     * Makes learner {@code id} a voter. Refused with {@link UnavailableException} until it holds 90% of the
     * leader's log and answers (retried within the request timeout), with {@link InvalidArgumentException}
     * if it is not a learner.
     */
    public CompletableFuture<MembershipChange> promoteMemberAsync(long id) {
        return membership("promote member", ClusterGrpc.getPromoteMemberMethod(),
                PromoteMemberRequest.newBuilder().setId(id).build());
    }

    /** Synchronous {@link #promoteMemberAsync}. */
    public MembershipChange promoteMember(long id) {
        return Await.result(promoteMemberAsync(id), Call.Safety.UNSAFE_WRITE);
    }

    /**
     * Removes member {@code id} (the leader too: it steps down). Refused with {@link UnavailableException} if
     * the remaining active voters would not form a quorum. The removed node stops serving.
     */
    public CompletableFuture<MembershipChange> removeMemberAsync(long id) {
        return membership("remove member", ClusterGrpc.getRemoveMemberMethod(),
                RemoveMemberRequest.newBuilder().setId(id).build());
    }

    /** Synchronous {@link #removeMemberAsync}. */
    public MembershipChange removeMember(long id) {
        return Await.result(removeMemberAsync(id), Call.Safety.UNSAFE_WRITE);
    }

    /**
     * The status of the node at {@code endpoint} itself (no redirect, no other node asked), as
     * {@code etcdctl endpoint status} shows each endpoint: its role, term, indexes, whether it was removed,
     * the alarms it knows. The endpoint need not be one the client was built with.
     *
     * @throws IllegalArgumentException if {@code endpoint} is not {@code host:port}
     */
    public CompletableFuture<ClusterStatus> statusAsync(String endpoint) {
        Endpoint e = core.endpoints().learn(ClientConfig.normalizeEndpoint(endpoint));
        if (e == null) {
            throw new IllegalStateException("the client is closed");
        }
        return core.call(new Call.Spec<>("status of " + e, ClusterGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(),
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0, e, null)).thenApply(Wire::status);
    }

    /** Synchronous {@link #statusAsync(String)}. */
    public ClusterStatus status(String endpoint) {
        return Await.result(statusAsync(endpoint), Call.Safety.IDEMPOTENT);
    }

    /**
     * Asks the leader to hand leadership to voter {@code targetId} (0: the most up-to-date follower) and
     * returns the id it hands over to. The transfer itself completes shortly after, unless the target fails
     * to win its election. A node that is not a voter (a learner, a removed or unknown id, the leader itself)
     * is refused with {@link InvalidArgumentException} naming the voters. Repeating a transfer is harmless, so
     * it is retried like a read.
     */
    public CompletableFuture<Long> transferLeadershipAsync(long targetId) {
        return core.call(new Call.Spec<>("transfer leadership", ClusterGrpc.getTransferLeadershipMethod(),
                TransferLeadershipRequest.newBuilder().setTargetId(targetId).build(), Call.Route.LEADER,
                Call.Safety.IDEMPOTENT, 0)).thenApply(TransferLeadershipResponse::getLeaderId);
    }

    /** Synchronous {@link #transferLeadershipAsync(long)}. */
    public long transferLeadership(long targetId) {
        return Await.result(transferLeadershipAsync(targetId), Call.Safety.IDEMPOTENT);
    }

    /**
     * Runs the corruption check now, through the leader (etcd's corruption check; the leader also runs it every
     * {@code --corruption-check-interval}): every voter hashes its state after one log entry, and a member whose
     * hash differs from the majority's gets a CORRUPT alarm and stops serving. A repeated check only checks
     * again, so it is retried like a read. The leader waits for slow voters' hashes (up to its request
     * timeout), and each attempt is bounded by the builder's {@code attemptTimeout}: give it room for a large
     * state or a member that is down.
     */
    public CompletableFuture<StateCheck> checkStateAsync() {
        return core.call(new Call.Spec<>("check state", ClusterGrpc.getCheckStateMethod(), CheckStateRequest.getDefaultInstance(),
                Call.Route.LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(Wire::stateCheck);
    }

    /** Synchronous {@link #checkStateAsync()}. */
    public StateCheck checkState() {
        return Await.result(checkStateAsync(), Call.Safety.IDEMPOTENT);
    }

    /**
     * The alarms raised in the cluster (CORRUPT, NOSPACE), as the node {@link #status()} reaches (the leader
     * if known) has applied them: etcd's {@code alarm list}.
     */
    public CompletableFuture<List<ClusterStatus.Alarm>> alarmsAsync() {
        return statusAsync().thenApply(ClusterStatus::alarms);
    }

    /** Synchronous {@link #alarmsAsync()}. */
    public List<ClusterStatus.Alarm> alarms() {
        return Await.result(alarmsAsync(), Call.Safety.IDEMPOTENT);
    }

    /**
     * Clears alarm {@code type} ({@code corrupt} or {@code nospace}) of {@code member} (0: the whole cluster)
     * through the log, and returns the index of the change. Meant for an alarm whose cause is gone while the
     * member stays: a removed member's alarms go with it, a NOSPACE alarm clears by itself once space is freed,
     * and the next corruption check raises CORRUPT again for a member whose state still differs. Clearing an
     * alarm twice is harmless, so it is retried like a read. An unknown type is refused with
     * {@link InvalidArgumentException}.
     */
    public CompletableFuture<Long> disarmAlarmAsync(long member, String type) {
        Objects.requireNonNull(type, "type");
        return core.call(new Call.Spec<>("disarm alarm", ClusterGrpc.getDisarmAlarmMethod(),
                DisarmAlarmRequest.newBuilder().setMember(member).setType(type).build(), Call.Route.LEADER,
                Call.Safety.IDEMPOTENT, 0)).thenApply(DisarmAlarmResponse::getIndex);
    }

    /** Synchronous {@link #disarmAlarmAsync(long, String)}. */
    public long disarmAlarm(long member, String type) {
        return Await.result(disarmAlarmAsync(member, type), Call.Safety.IDEMPOTENT);
    }

    /**
     * Streams a backup of the cluster's state into {@code out} (etcd's {@code snapshot save}): the bytes are
     * the backup file, checked against its own SHA-256 before this returns. A retried attempt truncates
     * {@code out} and starts over; the caller owns {@code out} (fsync it, rename it into place).
     *
     * @param linearizable true: the node first confirms with the leader, so the backup holds every write
     *                     acknowledged before the call; false: the state of whichever node answers, as it is
     *                     (works without a quorum: aim it with a client built on that one endpoint)
     * @param chunkBytes   payload bytes per checksummed chunk, 4 KiB .. 2 MiB; 0 means the server's 1 MiB
     * @param timeout      the deadline of the whole backup, retries included (a big state takes a while)
     * @param out          where the file goes; an I/O error writing it ends the call with an
     *                     {@link java.io.UncheckedIOException}
     */
    public CompletableFuture<BackupSummary> backupAsync(boolean linearizable, int chunkBytes, Duration timeout,
                                                        SeekableByteChannel out) {
        Objects.requireNonNull(out, "out");
        BackupReceiver receiver = new BackupReceiver(out);
        SnapshotRequest req = SnapshotRequest.newBuilder().setLinearizable(linearizable).setChunkBytes(chunkBytes).build();
        return core.call(new Call.Spec<>("backup", MaintenanceGrpc.getSnapshotMethod(), req,
                linearizable ? Call.Route.LEADER : Call.Route.ANY, Call.Safety.IDEMPOTENT, 0, null, receiver),
                core.config().time().nanoTime() + timeout.toNanos()).thenApply(v -> receiver.finish());
    }

    /** Synchronous {@link #backupAsync}. */
    public BackupSummary backup(boolean linearizable, int chunkBytes, Duration timeout, SeekableByteChannel out) {
        return Await.result(backupAsync(linearizable, chunkBytes, timeout, out), Call.Safety.IDEMPOTENT);
    }

    private <Q> CompletableFuture<MembershipChange> membership(String what, io.grpc.MethodDescriptor<Q, MemberChangeResponse> method,
                                                               Q request) {
        return core.call(new Call.Spec<>(what, method, request, Call.Route.LEADER, Call.Safety.UNSAFE_WRITE, 0))
                .thenApply(Wire::membershipChange);
    }

    /** Users, roles and auth on/off (README "Users and roles"); changes need the root role once auth is on. */
    public AuthAdmin auth() {
        return auth;
    }

    /** The addresses the client currently knows (configured and learned), for diagnostics. */
    public List<String> knownEndpoints() {
        return core.endpoints().all().stream().map(e -> e.address).toList();
    }

    /**
     * Closes open sessions (best effort), then every channel and thread the client owns. In-flight calls
     * fail: reads and session writes with {@link UnavailableException}, writes outside a session that may
     * have been sent with {@link IndeterminateException}. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (core.isClosed()) {
            return;
        }
        for (Session s : List.copyOf(sessions)) {
            s.close();
        }
        core.close();
    }

    /**
     * Settings for a {@link RaftKvClient}. Only the endpoints are required.
     */
    public static final class Builder {
        private List<String> endpoints = List.of();
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration attemptTimeout = Duration.ofSeconds(2);
        private int maxAttempts = 10;
        private Duration backoffBase = Duration.ofMillis(50);
        private Duration backoffCap = Duration.ofSeconds(1);
        private int failuresToOpen = 3;
        private Duration openDuration = Duration.ofSeconds(1);
        private Duration keepAliveTime = Duration.ofSeconds(30);
        private Duration keepAliveTimeout = Duration.ofSeconds(10);
        private ReadConsistency defaultConsistency = ReadConsistency.LINEARIZABLE;
        private Duration sessionTtl = Duration.ofSeconds(60);
        private boolean exactlyOnce;
        private int scanPageSize = 500;
        private int maxInboundMessageBytes = 64 << 20;
        private TimeSource time = TimeSource.system();
        private RandomGenerator random = new java.util.Random();
        private Function<String, ManagedChannel> channelFactory;
        private Scheduler scheduler;
        private List<ClientInterceptor> interceptors = List.of();
        private boolean batching = true;
        private TlsOptions tls;
        private Credentials credentials;

        private Builder() {
        }

        /**
         * The nodes' client addresses ({@code host:port}); any one reachable node is enough to find the rest.
         * Use the addresses the nodes announce (their {@code --client-addr}), so that redirects name the same
         * endpoints.
         */
        public Builder endpoints(String... endpoints) {
            return endpoints(Arrays.asList(endpoints));
        }

        /**
         * The nodes' client addresses; see {@link #endpoints(String...)}. {@code http://host:port} is accepted
         * as {@code host:port} (an etcd habit); {@code https://} is refused: TLS is set with {@link #tls(TlsOptions)}.
         *
         * @throws IllegalArgumentException for an address that is not {@code [http://]host:port}
         */
        public Builder endpoints(Collection<String> endpoints) {
            this.endpoints = endpoints.stream().map(ClientConfig::normalizeEndpoint).distinct().toList();
            return this;
        }

        /** The deadline of a whole call, retries and backoff included. Default 5 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * The longest one attempt of a read or a session write may take (never beyond the call's remaining
         * time); a slow or paused node then costs one attempt, not the whole call. A write outside a session
         * always gets the call's whole remaining time: it cannot be retried once sent. Default 2 s.
         */
        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeout = timeout;
            return this;
        }

        /** The retry budget: attempts per call, the first included (1 = never retry). Redirects count. Default 10. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Backoff before retry {@code n} (0-based): uniform in {@code [0, min(cap, base * 2^n)]} (full jitter).
         * Default base 50 ms, cap 1 s.
         */
        public Builder backoff(Duration base, Duration cap) {
            this.backoffBase = base;
            this.backoffCap = cap;
            return this;
        }

        /**
         * Per-endpoint circuit breaker: open after {@code failuresToOpen} consecutive connection failures or
         * timeouts, refuse requests locally for {@code openDuration}, then let one probe through.
         * Default 3 failures, 1 s.
         */
        public Builder circuitBreaker(int failuresToOpen, Duration openDuration) {
            this.failuresToOpen = failuresToOpen;
            this.openDuration = openDuration;
            return this;
        }

        /**
         * HTTP/2 keep-alive pings while calls are in flight: a ping every {@code time} without traffic, the
         * connection declared dead if unanswered within {@code timeout}. Default 30 s / 10 s. (Servers refuse
         * pings more often than their permit, five minutes by default, when no call is active: pings are sent
         * only during calls.)
         */
        public Builder keepAlive(Duration time, Duration timeout) {
            this.keepAliveTime = time;
            this.keepAliveTimeout = timeout;
            return this;
        }

        /** The consistency of reads that do not name one. Default {@link ReadConsistency#LINEARIZABLE}. */
        public Builder defaultConsistency(ReadConsistency consistency) {
            this.defaultConsistency = consistency;
            return this;
        }

        /** How long the cluster keeps an idle session; the client keeps open sessions alive. Default 60 s. */
        public Builder sessionTtl(Duration ttl) {
            this.sessionTtl = ttl;
            return this;
        }

        /**
         * Route the client's own writes through one client-wide {@link Session}, making them exactly-once.
         * The session serializes writes (one in flight at a time); for concurrent writers prefer one
         * {@link RaftKvClient#session()} each. Default off.
         */
        public Builder exactlyOnce(boolean exactlyOnce) {
            this.exactlyOnce = exactlyOnce;
            return this;
        }

        /** Keys fetched per page by {@link RaftKvClient#scan(Scan)} when the scan names no page size. Default 500. */
        public Builder scanPageSize(int keys) {
            this.scanPageSize = keys;
            return this;
        }

        /** The largest response accepted (a scan page). Default 64 MiB. */
        public Builder maxInboundMessageBytes(int bytes) {
            this.maxInboundMessageBytes = bytes;
            return this;
        }

        /** The clock for deadlines, backoff and circuit breakers (inject a fake one in tests). */
        public Builder timeSource(TimeSource time) {
            this.time = time;
            return this;
        }

        /** The randomness for backoff jitter (inject a seeded one in tests). */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * gRPC interceptors every attempt of every call passes through, as with
         * {@link io.grpc.ClientInterceptors#intercept(io.grpc.Channel, List)} (the last one sees the call first):
         * for headers, tracing or metrics. Each retry is a new call through them. An interceptor that changes
         * requests or answers can break the client's guarantees (a session write must keep its sequence
         * number). Default none.
         */
        public Builder interceptors(ClientInterceptor... interceptors) {
            this.interceptors = List.of(interceptors);
            return this;
        }

        /**
         * Whether puts, gets, deletes, compare-and-sets and transactions travel on one long-lived stream per node
         * (KV.Batch) instead of one gRPC call each. Each request keeps its own deadline, retries and errors; what
         * the stream saves is HTTP/2's per-call work, on the client and on the leader, which under load cost the
         * leader more CPU than Raft. Requests over 64 KiB go as unary calls, and so does every request to a node that
         * does not know the stream (an older version) for 5 minutes, after which the stream is tried again. With {@link #interceptors} set, every request is its own
         * call (what the interceptors promise). Default on.
         */
        public Builder batching(boolean on) {
            this.batching = on;
            return this;
        }

        /**
         * Talk TLS to the nodes, as {@code options} say (see {@link TlsOptions}); every channel the client makes uses
         * it. Default: plaintext. The files are read by {@link #build()}, which fails naming a file it cannot use.
         */
        public Builder tls(TlsOptions options) {
            this.tls = options;
            return this;
        }

        /** TLS trusting node certificates issued by the CA in {@code trustedCaFile} (PEM). */
        public Builder tls(Path trustedCaFile) {
            return tls(TlsOptions.trusting(trustedCaFile));
        }

        /**
         * TLS trusting node certificates issued by the CA in {@code trustedCaFile}, presenting {@code certFile} with
         * {@code keyFile} (PEM; the key PKCS#8) to clusters that require client certificates ({@code --client-cert-auth}).
         */
        public Builder tls(Path trustedCaFile, Path certFile, Path keyFile) {
            return tls(new TlsOptions(trustedCaFile, certFile, keyFile));
        }

        /**
         * Log in as {@code user} to a cluster with auth enabled (README "Users and roles"). The client
         * authenticates once, lazily, on the first call, sends the token with every call, and renews it by itself
         * when it expires or users and roles change (at most once per call without backoff), through leader
         * changes. Wrong credentials fail calls with {@link AuthenticationException}; missing permissions with
         * {@link PermissionDeniedException}. The password is kept in memory only to renew the token and never
         * appears in logs or {@code toString()}. Without credentials, a cluster with a client-certificate identity
         * ({@link #tls(Path, Path, Path)}) knows the client by its certificate's common name.
         */
        public Builder credentials(String user, String password) {
            this.credentials = new Credentials(user, password);
            return this;
        }

        /** Tests: channels from elsewhere (in-process transports). */
        Builder channelFactory(Function<String, ManagedChannel> factory) {
            this.channelFactory = factory;
            return this;
        }

        /** Tests: delayed work driven by a fake clock. */
        Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Creates the client. No connection is made until the first call.
         *
         * @throws IllegalArgumentException for a missing endpoint list or an inconsistent setting
         */
        public RaftKvClient build() {
            ClientConfig config = config();
            config.plaintextPasswordWarning().ifPresent(w -> LOG.log(System.Logger.Level.WARNING, w));
            return new RaftKvClient(config);
        }

        /**
         * Why this configuration would expose a password, if it would: credentials without TLS to an endpoint
         * that is not on this machine. {@link #build()} logs it as a warning; tools that silence logging (the
         * raftkv CLI) print it themselves.
         *
         * @throws IllegalArgumentException like {@link #build()}, for an inconsistent setting
         */
        public java.util.Optional<String> plaintextPasswordWarning() {
            return config().plaintextPasswordWarning();
        }

        ClientConfig config() {
            return new ClientConfig(endpoints, requestTimeout, attemptTimeout, maxAttempts, backoffBase,
                    backoffCap, failuresToOpen, openDuration, keepAliveTime, keepAliveTimeout, defaultConsistency,
                    sessionTtl, exactlyOnce, scanPageSize, maxInboundMessageBytes, time, random, channelFactory,
                    scheduler, interceptors, batching, tls, credentials);
        }
    }
}
