package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * What a node does while it leads: accept proposals, replicate with flow control, advance the commit
 * index, confirm reads, transfer leadership and check that it still has a quorum. Operates on the
 * {@link Raft} it belongs to; split out only to keep each file readable.
 */
final class Leader {
    private final Raft r;
    /** Ticks since the current leadership transfer began; apart from the check-quorum timer on purpose. */
    private int transferElapsed;
    /** Ticks while leading, never reset: the clock of the flow-control rules ({@link Progress#lastAppendTick}). */
    private long ticks;

    Leader(Raft r) {
        this.r = r;
    }

    // ---- time

    void tickHeartbeat() {
        ticks++;
        r.heartbeatElapsed++;
        r.electionElapsed++;
        if (r.electionElapsed >= r.config.electionTick()) {
            r.electionElapsed = 0;
            if (r.config.checkQuorum() && !r.tracker.quorumActive(r.id)) {
                // Check-quorum (thesis §6.2): a leader cut off from a majority stops accepting work, so
                // clients move to the side that can make progress.
                r.becomeFollower(r.term, 0);
                return;
            }
        }
        if (r.leadTransferee != 0 && ++transferElapsed >= r.config.electionTick()) {
            // A transfer that did not finish within an election timeout is abandoned (thesis §3.10). Its
            // own timer: a request restarting the check-quorum timer would let requests keep an isolated
            // leader in office.
            r.leadTransferee = 0;
            if (!isVoter()) {
                handOver();
            }
        }
        if (r.heartbeatElapsed >= r.config.heartbeatTick()) {
            r.heartbeatElapsed = 0;
            if (r.readOnly.hasWaiting()) {
                // Reads that waited behind a round still in flight (its answers may be lost) go now.
                r.readOnly.startRound();
                maybeConfirmReads();
            }
            bcastHeartbeat(r.readOnly.newestRound());
        }
    }

    // ---- proposals

    ProposeResult propose(List<Entry> es, ConfChange cc) {
        if (r.state != StateRole.LEADER) {
            return new ProposeResult.Dropped(ProposeResult.Reason.NOT_LEADER, r.lead);
        }
        if (!r.tracker.progress.containsKey(r.id)) {
            return new ProposeResult.Dropped(ProposeResult.Reason.NOT_MEMBER, 0);
        }
        if (r.leadTransferee != 0) {
            return new ProposeResult.Dropped(ProposeResult.Reason.LEADERSHIP_TRANSFER, r.id);
        }
        if (cc != null) {
            // One change at a time, and only after this leader committed in its term: without the latter,
            // single-server changes are unsafe across leader changes (Ongaro, raft-dev 2015).
            if (!r.rules.mayProposeConfChange(r.pendingConfIndex, r.log.applied, committedEntryInCurrentTerm())) {
                return new ProposeResult.Dropped(ProposeResult.Reason.CONF_CHANGE_PENDING, r.id);
            }
            try {
                newChanger().apply(cc);
            } catch (IllegalArgumentException e) {
                return new ProposeResult.Dropped(ProposeResult.Reason.INVALID_CONF_CHANGE, r.id);
            }
        }
        long size = payloadSize(es);
        long max = r.config.maxUncommittedEntriesSize();
        if (max > 0 && size > 0 && r.uncommittedSize > 0 && r.uncommittedSize + size > max) {
            return new ProposeResult.Dropped(ProposeResult.Reason.UNCOMMITTED_LIMIT, r.id);
        }
        r.uncommittedSize += size;
        long last = appendEntry(es);
        if (cc != null) {
            r.pendingConfIndex = last;
        }
        bcastAppend();
        return new ProposeResult.Appended(r.term, last);
    }

    private ConfChanger newChanger() {
        return new ConfChanger(r.tracker.config, r.tracker.progress, r.log.lastIndex(), r.config.maxInflightMsgs(),
                r.config.maxInflightBytes());
    }

    private static long payloadSize(List<Entry> es) {
        long n = 0;
        for (Entry e : es) {
            n += e.data().length;
        }
        return n;
    }

    /**
     * Appends to the leader's own log. The leader counts itself toward a quorum only once the entries
     * are persisted ({@link #onSelfPersisted}), so a commit never rests on an unsynced local write.
     */
    long appendEntry(List<Entry> es) {
        long li = r.log.lastIndex();
        List<Entry> stamped = new ArrayList<>(es.size());
        for (int i = 0; i < es.size(); i++) {
            stamped.add(es.get(i).withIndexAndTerm(li + 1 + i, r.term));
        }
        long last = r.log.append(stamped);
        Progress self = r.tracker.progress.get(r.id);
        if (self != null) {
            self.maybeUpdate(r.rules.leaderSelfMatch(r.log)); // nothing yet: the entries are not persisted
        }
        return last;
    }

    void onSelfPersisted() {
        Progress self = r.tracker.progress.get(r.id);
        if (self != null && self.maybeUpdate(r.rules.leaderSelfMatch(r.log))) {
            maybeCommit();
        }
    }

    void onApplied(List<Entry> applied) {
        r.uncommittedSize = Math.max(0, r.uncommittedSize - payloadSize(applied));
        ConfState cs = r.tracker.config;
        if (cs.autoLeave() && cs.isJoint() && r.pendingConfIndex <= r.log.applied) {
            // The joint configuration is in effect everywhere it matters: leave it (etcd's auto-leave).
            // Appended directly so a concurrent leadership transfer cannot strand the cluster in joint.
            long last = appendEntry(List.of(new Entry(0, 0, EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode())));
            r.pendingConfIndex = last;
            bcastAppend();
        }
    }

    void onConfigChanged() {
        if (!maybeCommit()) {
            bcastAppend(false);
        }
        if (r.leadTransferee != 0 && !r.tracker.isVoter(r.leadTransferee)) {
            r.leadTransferee = 0;
        }
        if (!isVoter() && r.leadTransferee == 0) {
            handOver();
        }
    }

    private boolean isVoter() {
        return r.tracker.isVoter(r.id);
    }

    /**
     * This leader was removed (or demoted) by a committed change: it hands leadership to the most
     * up-to-date voter (thesis §3.10) and steps down when that one takes over, retrying with the best
     * voter after each failed attempt (check-quorum still applies). Stepping down at once (thesis §4.2.2)
     * can strand the others: until a leader tells them the change committed, a member that has not
     * applied it still counts this node's vote, which this node refuses if its log is longer, and then
     * nobody can ever be elected. It accepts no proposals meanwhile (not a member, or transferring).
     */
    private void handOver() {
        long best = 0;
        long bestMatch = -1;
        for (var e : r.tracker.progress.entrySet()) {
            if (e.getKey() != r.id && r.tracker.isVoter(e.getKey()) && e.getValue().match > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match;
            }
        }
        if (best == 0) {
            r.becomeFollower(r.term, 0);
            return;
        }
        handleTransferLeader(best);
    }

    // ---- commit (Raft §5.3, §5.4.2)

    /** Commits what a quorum holds; if the index moved, answers waiting reads, tells the followers, returns true. */
    private boolean maybeCommit() {
        long mci = r.tracker.committed();
        if (mci == Long.MAX_VALUE) {
            return false;
        }
        if (mci > r.log.committed && mci <= r.log.lastIndex() && r.rules.mayCommitByCounting(r.log, mci, r.term)) {
            long before = r.log.committed;
            r.log.commitTo(mci);
            onCommitAdvanced(before);
            return true;
        }
        return false;
    }

    private void onCommitAdvanced(long before) {
        if (!r.pendingReadIndex.isEmpty() && committedEntryInCurrentTerm()) {
            List<long[]> pending = r.pendingReadIndex;
            r.pendingReadIndex = new ArrayList<>();
            for (long[] req : pending) {
                handleReadIndex(req[0], req[1]);
            }
        }
        // Deferred, the new commit index rides the next AppendEntries or heartbeat, or leaves with
        // sendCommit() when the driver's short delay expires; entries not yet sent still go now.
        bcastAppend(!r.config.deferCommit() || configurationInFlux(before));
    }

    /**
     * Whether the commit index must go out at once because a configuration change (or this term's first
     * entry, which the election counts as one) is uncommitted, commits now, or was not yet told to every
     * follower. Configurations take effect when applied, so a member that has not learned a change
     * committed still counts the old configuration's votes: if the leader is lost then, the others may
     * need a removed member's vote, which it refuses when its log is longer (Leader#handOver). And a
     * removed member learns of its removal only from this leader, which forgets it once it applies the
     * change.
     */
    private boolean configurationInFlux(long before) {
        if (r.pendingConfIndex > before) {
            return true;
        }
        for (var e : r.tracker.progress.entrySet()) {
            if (e.getKey() != r.id && e.getValue().sentCommit < r.pendingConfIndex) {
                return true;
            }
        }
        return false;
    }

    /** Whether some follower was not yet told the commit index it could use ({@link RawNode#commitToSend}). */
    boolean commitToSend() {
        for (var e : r.tracker.progress.entrySet()) {
            if (e.getKey() != r.id && e.getValue().canBumpCommit(r.log.committed)) {
                return true;
            }
        }
        return false;
    }

    /** Sends an empty AppendEntries carrying the commit index to every follower that would learn from it. */
    void sendCommit() {
        for (var e : r.tracker.progress.entrySet()) {
            if (e.getKey() != r.id && e.getValue().canBumpCommit(r.log.committed)) {
                maybeSendAppend(e.getKey(), true);
            }
        }
    }

    boolean committedEntryInCurrentTerm() {
        return r.log.termOrZero(r.log.committed) == r.term;
    }

    // ---- replication

    void bcastAppend() {
        bcastAppend(true);
    }

    /** Sends each follower what it has not been sent; with {@code sendIfEmpty}, an empty AppendEntries if nothing. */
    private void bcastAppend(boolean sendIfEmpty) {
        for (long pid : r.tracker.progress.keySet()) {
            if (pid != r.id) {
                maybeSendAppend(pid, sendIfEmpty);
            }
        }
    }

    /**
     * Sends the next AppendEntries to {@code to} unless its flow control is paused; falls back to
     * InstallSnapshot when the entries it needs are compacted. Returns whether a message was sent.
     */
    boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = r.tracker.progress.get(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        // A probe will likely be rejected while the logs are not known to match: one entry is enough
        // (at least one is always sent); full messages only in REPLICATE, where the window bounds them.
        long maxBytes = pr.state == Status.ProgressState.PROBE ? 0 : r.config.maxSizePerMsg();
        long prevTerm;
        List<Entry> ents;
        try {
            prevTerm = r.log.term(prevIndex);
            ents = r.log.entries(pr.next, maxBytes);
        } catch (LogCompactedException e) {
            return sendSnapshot(to, pr);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        long bytes = 0;
        for (Entry e : ents) {
            bytes += e.sizeBytes();
        }
        r.send(new Message.AppendEntries(r.id, to, r.term, prevTerm, prevIndex, ents, r.log.committed));
        pr.sentCommit(Math.min(r.log.committed, prevIndex + ents.size()));
        pr.sentEntries(ents.size(), bytes, ticks);
        return true;
    }

    private boolean sendSnapshot(long to, Progress pr) {
        if (!pr.recentActive) {
            // Do not stream a snapshot at a peer that has not answered lately; a heartbeat response
            // will make it active again.
            return false;
        }
        Snapshot s;
        try {
            s = r.log.snapshot();
        } catch (SnapshotTemporarilyUnavailableException e) {
            return false;
        }
        if (s.isEmpty()) {
            throw new IllegalStateException("node " + r.id + " needs a snapshot for " + to
                    + " but storage has none although entries are compacted");
        }
        pr.becomeSnapshot(s.index());
        r.send(new Message.InstallSnapshot(r.id, to, r.term, s));
        return true;
    }

    void bcastHeartbeat(long readSeq) {
        r.tracker.progress.forEach((pid, pr) -> {
            if (pid != r.id) {
                // Never tell a follower to commit beyond what it is known to hold.
                long commit = Math.min(pr.match, r.log.committed);
                r.send(new Message.Heartbeat(r.id, pid, r.term, commit, readSeq));
                pr.sentCommit(commit);
            }
        });
    }

    // ---- input

    void step(Message m) {
        if (m instanceof Message.AppendResponse a) {
            handleAppendResponse(a);
        } else if (m instanceof Message.HeartbeatResponse h) {
            handleHeartbeatResponse(h);
        } else if (m instanceof Message.ReadIndexRequest q) {
            handleReadIndex(q.from(), q.readCtx());
        } else if (m instanceof Message.TransferLeader t) {
            handleTransferLeader(t.transferee());
        }
    }

    private void handleAppendResponse(Message.AppendResponse a) {
        Progress pr = r.tracker.progress.get(a.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (a.reject()) {
            long nextProbe = a.hintIndex();
            if (a.hintTerm() > 0) {
                nextProbe = r.log.findConflictByTerm(a.hintIndex(), a.hintTerm())[0];
            }
            if (pr.maybeDecrTo(a.index(), nextProbe)) {
                if (pr.state == Status.ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                maybeSendAppend(a.from(), true);
            }
            return;
        }
        boolean wasPaused = pr.isPaused();
        boolean probeConfirmsMatch = pr.state == Status.ProgressState.PROBE && pr.match == a.index();
        if (!pr.maybeUpdate(a.index()) && !probeConfirmsMatch) {
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match + 1 >= r.log.firstIndex()) {
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights.freeLE(a.index());
        }
        if (!maybeCommit() && wasPaused) {
            maybeSendAppend(a.from(), true);
        }
        while (maybeSendAppend(a.from(), false)) {
            // Fill the pipeline window.
        }
        if (a.from() == r.leadTransferee && pr.match == r.log.lastIndex()) {
            r.send(new Message.TimeoutNow(r.id, a.from(), r.term));
        }
    }

    private void handleHeartbeatResponse(Message.HeartbeatResponse h) {
        Progress pr = r.tracker.progress.get(h.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (pr.quietFor(ticks, r.config.heartbeatTick())) {
            // Nothing went to this peer for a heartbeat interval: what was sent may be lost. Release a stuck
            // probe, or one slot of a full window so the next append reveals the gap; at most once per
            // interval however many heartbeat rounds (one per read batch) are answered.
            pr.probeSent = false;
            if (pr.state == Status.ProgressState.REPLICATE && pr.inflights.full()) {
                pr.inflights.freeFirstOne();
            }
            if (pr.match < r.log.lastIndex()) {
                maybeSendAppend(h.from(), true);
            }
        }
        if (h.readCtx() == 0) {
            return;
        }
        r.readOnly.recvEcho(h.from(), h.readCtx());
        if (maybeConfirmReads() && r.readOnly.hasWaiting() && !r.readOnly.roundInFlight()) {
            startReadRound();
        }
    }

    void onSnapshotReported(Progress pr, boolean success) {
        if (!success) {
            pr.pendingSnapshot = 0;
        }
        pr.becomeProbe();
        // Wait for the follower's answer (success) or a heartbeat interval (failure) before probing again.
        pr.probeSent = true;
        pr.lastAppendTick = ticks;
    }

    // ---- reads (thesis §6.4)

    void handleReadIndex(long from, long ctx) {
        if (!committedEntryInCurrentTerm()) {
            // The commit index of a fresh leader may lag what its predecessor acknowledged; wait for the no-op.
            r.pendingReadIndex.add(new long[] {from, ctx});
            return;
        }
        r.readOnly.add(r.log.committed, from, ctx);
        if (!r.readOnly.roundInFlight()) {
            startReadRound();
        }
    }

    /** Sends a heartbeat round for the waiting reads, unless this leader alone is a quorum. */
    private void startReadRound() {
        long seq = r.readOnly.startRound();
        if (!maybeConfirmReads()) {
            bcastHeartbeat(seq);
        }
    }

    /** Serves the newest round a quorum vouched for, and every earlier one; returns whether it served any. */
    private boolean maybeConfirmReads() {
        for (long round : r.readOnly.roundsNewestFirst()) {
            TreeMap<Long, Boolean> acks = new TreeMap<>();
            acks.put(r.id, true);
            r.readOnly.echoes().forEach((peer, echoed) -> {
                if (r.rules.echoConfirmsRound(echoed, round)) {
                    acks.put(peer, true);
                }
            });
            if (r.rules.readRoundConfirmed(r.tracker.config, acks)) {
                for (ReadOnly.Request req : r.readOnly.release(round)) {
                    respondRead(req.from(), req.ctx(), req.index());
                }
                return true;
            }
        }
        return false;
    }

    private void respondRead(long from, long ctx, long index) {
        if (from == r.id) {
            r.readStates.add(new ReadState(index, ctx));
        } else {
            r.send(new Message.ReadIndexResponse(r.id, from, r.term, index, ctx));
        }
    }

    // ---- leadership transfer (thesis §3.10)

    void handleTransferLeader(long transferee) {
        Progress pr = r.tracker.progress.get(transferee);
        if (pr == null || pr.isLearner || transferee == r.id) {
            return;
        }
        if (r.leadTransferee == transferee) {
            return;
        }
        r.leadTransferee = transferee;
        // The transfer must finish within an election timeout or it is abandoned.
        transferElapsed = 0;
        if (pr.match == r.log.lastIndex()) {
            r.send(new Message.TimeoutNow(r.id, transferee, r.term));
        } else {
            maybeSendAppend(transferee, true);
        }
    }
}
