package io.raftkv.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftkv.proto.MemberContext;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.storage.MemberRecord;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to reach every member. Two sources, in this order: the node's own {@code --initial-cluster} and
 * {@code --peer-addresses} (its view of the founders, of the members it was told about when it joined,
 * and overrides; each node may reach the same peer by a different address: NAT, DNS aliases, the chaos
 * harness's fault proxies), then the
 * addresses that membership changes carried through the log (replicated, so every member learns how
 * to reach a node added at runtime, and kept in snapshots by the storage's member records).
 *
 * <p>Changed only by the raft thread, in log order: {@link #apply} as each committed conf change is
 * applied to the core, {@link #reload} after a snapshot replaced the state. Other threads read the
 * published {@link View}.
 */
final class MemberDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(MemberDirectory.class);

    /** An immutable picture for other threads. */
    record View(SortedMap<Long, String> peerAddresses, SortedMap<Long, String> clientAddresses, SortedSet<Long> removed) {
        String peerAddress(long id) {
            return peerAddresses.getOrDefault(id, "");
        }
    }

    private final long self;
    private final SortedMap<Long, String> local;
    private final SortedMap<Long, String> initialCluster;
    private final TreeMap<Long, MemberContext> added = new TreeMap<>();
    private final TreeSet<Long> removed = new TreeSet<>();
    private volatile View view;

    MemberDirectory(long self, SortedMap<Long, String> initialCluster, SortedMap<Long, String> overrides,
                    List<MemberRecord> records) {
        this.self = self;
        TreeMap<Long, String> l = new TreeMap<>(overrides);
        l.putAll(initialCluster);
        this.local = Collections.unmodifiableSortedMap(l);
        this.initialCluster = Collections.unmodifiableSortedMap(new TreeMap<>(initialCluster));
        reload(records);
    }

    /** Replaces what the log taught with the records of the state machine (start, snapshot installed). */
    void reload(List<MemberRecord> records) {
        added.clear();
        removed.clear();
        records.forEach(this::take);
        publish();
    }

    /** Follows one committed change, with the configuration the core made of it (the storage's rule). */
    void apply(ConfChange cc, ConfState before, ConfState after) {
        for (MemberRecord r : MemberRecord.of(cc, before, after)) {
            take(r);
            if (r.removed() && r.id() == self) {
                LOG.warn("node {} was removed from the cluster: it takes no further part; stop it and delete its "
                        + "data directory (its id cannot be reused)", self);
            }
        }
        publish();
    }

    private void take(MemberRecord r) {
        if (r.removed()) {
            added.remove(r.id());
            removed.add(r.id());
        } else {
            added.put(r.id(), decode(r.id(), r.context()));
        }
    }

    View view() {
        return view;
    }

    /**
     * Whom the transport must be able to send to: every member of {@code conf} and every node named in
     * {@code --initial-cluster} (a joining node has no configuration until the leader's snapshot arrives,
     * yet must answer it), minus removed ids and this node. Members without a known address are left out
     * (the transport logs messages to them as undeliverable).
     */
    SortedMap<Long, String> transportPeers(ConfState conf) {
        TreeSet<Long> ids = new TreeSet<>(initialCluster.keySet());
        ids.addAll(conf.allMembers());
        ids.removeAll(removed);
        ids.remove(self);
        SortedMap<Long, String> out = new TreeMap<>();
        for (long id : ids) {
            String a = peerAddress(id);
            if (!a.isEmpty()) {
                out.put(id, a);
            }
        }
        return out;
    }

    private String peerAddress(long id) {
        String a = local.get(id);
        if (a != null) {
            return a;
        }
        MemberContext c = added.get(id);
        return c == null ? "" : c.getPeerAddress();
    }

    private void publish() {
        SortedMap<Long, String> peers = new TreeMap<>();
        SortedMap<Long, String> clients = new TreeMap<>();
        TreeSet<Long> ids = new TreeSet<>(initialCluster.keySet());
        ids.addAll(added.keySet());
        for (long id : ids) {
            if (!removed.contains(id)) {
                peers.put(id, peerAddress(id));
            }
        }
        added.forEach((id, c) -> {
            if (!c.getClientAddress().isEmpty()) {
                clients.put(id, c.getClientAddress());
            }
        });
        view = new View(Collections.unmodifiableSortedMap(peers), Collections.unmodifiableSortedMap(clients),
                Collections.unmodifiableSortedSet(new TreeSet<>(removed)));
    }

    static byte[] context(String peerAddress, String clientAddress) {
        return MemberContext.newBuilder().setPeerAddress(peerAddress).setClientAddress(clientAddress).build().toByteArray();
    }

    /**
     * A context this version cannot read means a newer writer or damage; the member then simply has no
     * address here (messages to it are dropped and logged) rather than halting the node over routing data.
     */
    private static MemberContext decode(long id, byte[] context) {
        try {
            return MemberContext.parseFrom(context);
        } catch (InvalidProtocolBufferException e) {
            LOG.error("the membership context of node {} is unreadable ({} bytes): no address for it", id, context.length);
            return MemberContext.getDefaultInstance();
        }
    }
}
