package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.TestNodes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated server, shaped like the real one: its disk ({@link MemoryStorage} plus the durable
 * state machine: what survives a crash), its Raft core, and what
 * its threads are in the middle of (a Ready being persisted, committed entries handed to the apply
 * thread but not yet applied).
 */
final class SimNode {
    /** A committed entry handed to the apply thread; {@code conf} is the configuration after it, if it changes one. */
    record Handed(Entry entry, ConfState conf) {
    }

    final long id;
    final RaftConfig config;
    /** The disk: replaced by an empty one when the node returns with a wiped data directory. */
    MemoryStorage storage;
    /** The state machine, durable (applied index and data written together, as the server does). */
    StateMachine sm;
    /** This data directory's incarnation; a wiped disk gets a new one. */
    long diskId;
    /** Returned with an empty disk under its old id. */
    boolean wiped;

    RawNode raw;
    /** Bumped on every (re)start; messages and reports are tied to the process that sent them. */
    int incarnation;
    /** Removed from the cluster and shut down for good. */
    boolean retired;
    /** Ever part of an applied configuration (distinguishes a removed member from a joining one). */
    boolean everMember;

    /** The Ready being persisted (asynchronously): ready() must not be called until it is advanced. */
    Ready pending;
    /** Committed entries handed to the apply thread and not applied yet (lost in a crash). */
    final ArrayDeque<Handed> applyQueue = new ArrayDeque<>();
    /** The hard state as of the last synced write: what a crash leaves if later unsynced writes are lost. */
    HardState syncedHardState;
    /** Leader completeness: after becoming leader, the first Ready taken must show a log holding this prefix. */
    boolean completenessDue;
    long completenessTerm;
    Ready completenessReady;

    final List<ReadState> readsToServe = new ArrayList<>();

    // Last observed status, so the simulator can play a client that knows who leads.
    StateRole role = StateRole.FOLLOWER;
    long term;
    long leaderTermSeen;
    long lastCommit;

    SimNode(long id, RaftConfig config, MemoryStorage storage, long diskId) {
        this.id = id;
        this.config = config;
        this.storage = storage;
        this.diskId = diskId;
        this.sm = StateMachine.restore(storage.snapshot());
    }

    boolean up() {
        return raw != null;
    }

    boolean isLeader() {
        return raw != null && role == StateRole.LEADER;
    }

    /** (Re)starts from the disk: the log and hard state, and the state machine where apply stopped. */
    void start(SplittableRandom rng, Control control) {
        syncedHardState = storage.hardState();
        RaftConfig c = config.withApplied(sm.applied);
        SplittableRandom nodeRandom = new SplittableRandom(rng.nextLong());
        raw = TestNodes.withBug(c, new SimStorage(this), nodeRandom, control == null ? null : control.coreBug);
        incarnation++;
        pending = null;
        role = StateRole.FOLLOWER;
        lastCommit = raw.status().hardState().commit();
        completenessDue = false;
        completenessReady = null;
    }

    /** Loses everything not on disk: the outstanding Ready, entries not yet applied, queued reads. */
    void crash() {
        raw = null;
        pending = null;
        applyQueue.clear();
        completenessDue = false;
        completenessReady = null;
        readsToServe.clear();
        role = StateRole.FOLLOWER;
    }

    /** The data directory is replaced by an empty one (the node must be down). */
    void wipe(long newDiskId) {
        storage = new MemoryStorage();
        sm = new StateMachine();
        syncedHardState = storage.hardState();
        diskId = newDiskId;
        wiped = true;
    }

    /** The term of this node's log at {@code index} as its core sees it (unstable tail included); -1 if unknown. */
    long termAt(long index) {
        return raw == null ? -1 : TestNodes.logTerm(raw, index);
    }

    @Override
    public String toString() {
        return "n" + id + (raw == null ? (retired ? "(retired)" : "(down)") : "(" + role + " t" + term + ")")
                + (wiped ? " wiped" : "") + " " + sm + (applyQueue.isEmpty() ? "" : " +" + applyQueue.size() + " to apply")
                + " log=[" + storage.firstIndex() + ".." + storage.lastIndex() + "] snap="
                + storage.snapshot().index() + " hs=" + storage.hardState();
    }
}
