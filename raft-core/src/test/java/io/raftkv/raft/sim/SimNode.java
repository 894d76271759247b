package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.StateRole;
import io.raftkv.raft.TestNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated server: its disk ({@link MemoryStorage}, the only thing that survives a crash), its
 * Raft core, its state machine and whatever the driver is in the middle of doing.
 */
final class SimNode {
    /** An InstallSnapshot delivered here whose outcome the sender must hear about. */
    record SnapshotReport(long sender, int senderIncarnation) {
    }

    final long id;
    final RaftConfig config;
    final MemoryStorage storage;

    RawNode raw;
    /** Bumped on every (re)start; messages and reports are tied to the process that sent them. */
    int incarnation;
    /** Removed from the cluster and shut down for good. */
    boolean retired;
    /** Ever part of an applied configuration (distinguishes a removed member from a joining one). */
    boolean everMember;

    StateMachine sm = new StateMachine();
    ConfState conf;
    /** The Ready being persisted (asynchronously): ready() must not be called until it is advanced. */
    Ready pending;
    /** The hard state as of the last synced write: what a crash leaves if later unsynced writes are lost. */
    HardState syncedHardState;
    /** Leader completeness: after becoming leader, the first Ready taken must show a log holding this prefix. */
    long completenessFloor = -1;
    long completenessTerm;
    Ready completenessReady;

    final List<ReadState> readsToServe = new ArrayList<>();
    final List<SnapshotReport> snapshotReports = new ArrayList<>();

    // Last observed status, so the simulator can play a client that knows who leads.
    StateRole role = StateRole.FOLLOWER;
    long term;
    long leaderTermSeen;
    long lastCommit;

    SimNode(long id, RaftConfig config, MemoryStorage storage) {
        this.id = id;
        this.config = config;
        this.storage = storage;
    }

    boolean up() {
        return raw != null;
    }

    boolean isLeader() {
        return raw != null && role == StateRole.LEADER;
    }

    /** (Re)starts from what storage holds; the state machine restarts from the snapshot image. */
    void start(SplittableRandom rng, TestNodes.Bug bug) {
        sm = StateMachine.restore(storage.snapshot());
        syncedHardState = storage.hardState();
        conf = storage.snapshot().metadata().confState();
        RaftConfig c = config.withApplied(sm.applied);
        SplittableRandom nodeRandom = new SplittableRandom(rng.nextLong());
        raw = bug == null ? new RawNode(c, storage, nodeRandom) : TestNodes.withBug(c, storage, nodeRandom, bug);
        incarnation++;
        pending = null;
        role = StateRole.FOLLOWER;
        completenessFloor = -1;
        completenessReady = null;
    }

    /** Loses everything not in storage: the outstanding Ready, the state machine, queued reads. */
    void crash() {
        raw = null;
        pending = null;
        completenessFloor = -1;
        completenessReady = null;
        readsToServe.clear();
        role = StateRole.FOLLOWER;
    }

    @Override
    public String toString() {
        return "n" + id + (raw == null ? (retired ? "(retired)" : "(down)") : "(" + role + " t" + term + ")")
                + " " + sm + " log=[" + storage.firstIndex() + ".." + storage.lastIndex() + "] snap="
                + storage.snapshot().index() + " hs=" + storage.hardState();
    }
}
