package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The Raft state machine of one node: term and vote, role, log, membership and, when leading, the
 * replication state of every peer. Single-threaded and free of I/O; {@link RawNode} is its public face.
 * Leader-only behaviour lives in {@link Leader}.
 */
final class Raft {
    final long id;
    final RaftConfig config;
    final RaftLog log;
    final ProgressTracker tracker;
    final Rules rules;
    private final RandomGenerator random;

    long term;
    long vote;
    long lead;
    StateRole state = StateRole.FOLLOWER;

    int electionElapsed;
    int heartbeatElapsed;
    private int randomizedElectionTimeout;

    long leadTransferee;
    /** The log index of the newest conf change proposed by this leader; none may follow until applied. */
    long pendingConfIndex;
    /** Payload bytes proposed and not yet committed, for load shedding. */
    long uncommittedSize;
    ReadOnly readOnly = new ReadOnly(0);
    /** ReadIndex requests that arrived before this leader committed an entry of its term: (from, ctx). */
    List<long[]> pendingReadIndex = new ArrayList<>();

    /** Messages that may leave at once (sent by a leader). */
    List<Message> msgs = new ArrayList<>();
    /** Messages that promise persisted state (votes, acknowledgements): sent only after the Ready persists. */
    List<Message> msgsAfterAppend = new ArrayList<>();
    List<ReadState> readStates = new ArrayList<>();

    final Leader leader;

    Raft(RaftConfig config, Storage storage, RandomGenerator random, Rules rules) {
        this.id = config.id();
        this.config = config;
        this.random = random;
        this.rules = rules;
        this.log = new RaftLog(storage, config.maxCommittedSizePerReady());
        this.tracker = new ProgressTracker(config.maxInflightMsgs(), config.maxInflightBytes());
        this.leader = new Leader(this);

        Storage.InitialState init = storage.initialState();
        ConfChanger.Result restored = ConfChanger.restore(init.confState(), log.lastIndex(),
                config.maxInflightMsgs(), config.maxInflightBytes());
        tracker.config = restored.config();
        tracker.progress = restored.progress();

        HardState hs = init.hardState();
        if (!hs.isEmpty()) {
            if (hs.commit() > log.lastIndex()) {
                throw new IllegalStateException("node " + id + ": persisted commit " + hs.commit()
                        + " is beyond the log [" + log.committed + ", " + log.lastIndex() + "]: storage is corrupt");
            }
            // A commit below the snapshot is stale, not corrupt: the store installs a snapshot before it
            // writes the Ready's hard state, and a crash in between leaves the older commit. A snapshot
            // holds only committed entries, so its index stands.
            log.committed = Math.max(log.committed, hs.commit());
            term = hs.term();
            vote = hs.vote();
        }
        if (config.applied() > 0) {
            // The state machine may have applied beyond the persisted commit index when the commit-only
            // hard-state update was not synced; whatever was applied had been committed.
            if (config.applied() > log.committed && config.applied() <= log.lastIndex()) {
                log.commitTo(config.applied());
            }
            if (config.applied() > log.applied) {
                log.appliedTo(config.applied());
            }
        }
        becomeFollower(term, 0);
    }

    SoftState softState() {
        return new SoftState(lead, state);
    }

    HardState hardState() {
        return new HardState(term, vote, log.committed);
    }

    /** A voter of the current configuration with no snapshot pending: may campaign. */
    boolean promotable() {
        Progress pr = tracker.progress.get(id);
        return pr != null && !pr.isLearner && !log.hasPendingSnapshot();
    }

    // ---- sending

    void send(Message m) {
        if (state == StateRole.LEADER) {
            msgs.add(m);
        } else {
            msgsAfterAppend.add(m);
        }
    }

    // ---- role transitions

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = 0;
        }
        lead = 0;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTick() + random.nextInt(config.electionTick());
        leadTransferee = 0;
        tracker.resetVotes();
        long last = log.lastIndex();
        tracker.progress.replaceAll((pid, pr) -> {
            Progress fresh = new Progress(last + 1, tracker.maxInflight, tracker.maxInflightBytes, pr.isLearner);
            if (pid == id) {
                fresh.match = rules.leaderSelfMatch(log);
            }
            return fresh;
        });
        pendingConfIndex = 0;
        uncommittedSize = 0;
        readOnly = new ReadOnly(readOnly.lastSeq());
        pendingReadIndex = new ArrayList<>();
    }

    void becomeFollower(long newTerm, long newLead) {
        reset(newTerm);
        lead = newLead;
        state = StateRole.FOLLOWER;
    }

    private void becomePreCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
        }
        // Neither term nor vote change: a pre-vote must not disturb anyone (thesis §9.6).
        tracker.resetVotes();
        lead = 0;
        state = StateRole.PRE_CANDIDATE;
    }

    private void becomeCandidate() {
        if (state == StateRole.LEADER) {
            throw new IllegalStateException("invalid transition [leader -> candidate]");
        }
        reset(term + 1);
        vote = id;
        state = StateRole.CANDIDATE;
    }

    void becomeLeader() {
        if (state == StateRole.FOLLOWER) {
            throw new IllegalStateException("invalid transition [follower -> leader]");
        }
        reset(term);
        lead = id;
        state = StateRole.LEADER;
        Progress self = tracker.progress.get(id);
        if (self != null) {
            self.becomeReplicate();
            self.match = rules.leaderSelfMatch(log);
        }
        // Conf changes already in the log may not have been applied yet; allow no new one until they are.
        pendingConfIndex = rules.pendingConfIndexAtElection(log);
        // The no-op commits the previous terms' entries (Raft §5.4.2, §8) and enables ReadIndex.
        leader.appendEntry(List.of(new Entry(0, 0, EntryType.NORMAL, null)));
        leader.bcastAppend();
    }

    // ---- time

    void tick() {
        if (state == StateRole.LEADER) {
            leader.tickHeartbeat();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            hup(false);
        }
    }

    boolean pastElectionTimeout() {
        return electionElapsed >= randomizedElectionTimeout;
    }

    // ---- elections (Raft §5.2, thesis §9.6 pre-vote, §3.10 transfer)

    void hup(boolean leaderTransfer) {
        if (state == StateRole.LEADER || !promotable() || hasUnappliedConfChanges()) {
            return;
        }
        campaign(config.preVote() && !leaderTransfer ? CampaignType.PRE_ELECTION : CampaignType.ELECTION,
                leaderTransfer);
    }

    /**
     * A committed but unapplied conf change may change who votes; campaigning before it is applied could
     * count votes under the wrong configuration.
     */
    private boolean hasUnappliedConfChanges() {
        if (log.applied >= log.committed) {
            return false;
        }
        long lo = Math.max(log.applied + 1, log.firstIndex());
        for (long i = lo; i <= log.committed; ) {
            List<Entry> batch = log.slice(i, log.committed + 1, config.maxSizePerMsg());
            for (Entry e : batch) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    return true;
                }
            }
            i += batch.size();
        }
        return false;
    }

    private enum CampaignType { PRE_ELECTION, ELECTION }

    private void campaign(CampaignType type, boolean leaderTransfer) {
        long voteTerm;
        if (type == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteTerm = term;
        }
        if (poll(id, true) == Quorum.VoteResult.WON) {
            // Single voter: won outright.
            if (type == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION, leaderTransfer);
            } else {
                becomeLeader();
            }
            return;
        }
        TreeSet<Long> voters = new TreeSet<>(tracker.config.voters());
        voters.addAll(tracker.config.votersOutgoing());
        for (long v : voters) {
            if (v != id) {
                send(new Message.VoteRequest(id, v, voteTerm, log.lastIndex(), log.lastTerm(),
                        type == CampaignType.PRE_ELECTION, leaderTransfer));
            }
        }
    }

    private Quorum.VoteResult poll(long from, boolean granted) {
        tracker.recordVote(from, granted);
        return tracker.tallyVotes();
    }

    // ---- input

    void step(Message m) {
        if (m.term() > term) {
            if (m instanceof Message.VoteRequest v) {
                // Disruption protection (thesis §4.2.3): with a live leader heard within the election
                // timeout, ignore a vote request unless the leader itself asked for the election.
                boolean inLease = config.checkQuorum() && lead != 0 && electionElapsed < config.electionTick();
                if (!v.leaderTransfer() && inLease) {
                    return;
                }
            }
            boolean preVoteTraffic = (m instanceof Message.VoteRequest v && v.preVote())
                    || (m instanceof Message.VoteResponse r && r.preVote() && !r.reject());
            if (!preVoteTraffic) {
                boolean fromLeader = m instanceof Message.AppendEntries || m instanceof Message.Heartbeat
                        || m instanceof Message.InstallSnapshot;
                becomeFollower(m.term(), fromLeader ? m.from() : 0);
            }
        } else if (m.term() < term) {
            if ((config.checkQuorum() || config.preVote())
                    && (m instanceof Message.Heartbeat || m instanceof Message.AppendEntries)) {
                // A deposed leader (e.g. after a partition) learns the new term from this answer; without
                // it, pre-vote/check-quorum could leave it and the cluster stuck (etcd issue 5451 pattern).
                send(new Message.AppendResponse(id, m.from(), term, 0, false, 0, 0));
            } else if (m instanceof Message.VoteRequest v && v.preVote()) {
                send(new Message.VoteResponse(id, m.from(), term, true, true));
            }
            return;
        }

        if (m instanceof Message.VoteRequest v) {
            handleVoteRequest(v);
            return;
        }
        if (state == StateRole.LEADER) {
            leader.step(m);
        } else if (state == StateRole.FOLLOWER) {
            stepFollower(m);
        } else {
            stepCandidate(m);
        }
    }

    private void handleVoteRequest(Message.VoteRequest v) {
        boolean canVote = vote == v.from()
                || (vote == 0 && lead == 0)
                || (v.preVote() && v.term() > term);
        boolean upToDate = rules.candidateUpToDate(log, v.lastIndex(), v.lastTerm());
        if (canVote && upToDate) {
            // Answer in the asked term: a pre-vote grant must not look like an older term's answer.
            send(new Message.VoteResponse(id, v.from(), v.term(), v.preVote(), false));
            if (!v.preVote()) {
                electionElapsed = 0;
                vote = v.from();
            }
        } else {
            send(new Message.VoteResponse(id, v.from(), term, v.preVote(), true));
        }
    }

    private void stepCandidate(Message m) {
        if (m instanceof Message.AppendEntries a) {
            becomeFollower(m.term(), m.from());
            handleAppendEntries(a);
        } else if (m instanceof Message.Heartbeat h) {
            becomeFollower(m.term(), m.from());
            handleHeartbeat(h);
        } else if (m instanceof Message.InstallSnapshot s) {
            becomeFollower(m.term(), m.from());
            handleSnapshot(s);
        } else if (m instanceof Message.VoteResponse r) {
            if (r.preVote() != (state == StateRole.PRE_CANDIDATE)) {
                return;
            }
            Quorum.VoteResult res = poll(r.from(), !r.reject());
            if (res == Quorum.VoteResult.WON) {
                if (state == StateRole.PRE_CANDIDATE) {
                    campaign(CampaignType.ELECTION, false);
                } else {
                    becomeLeader();
                }
            } else if (res == Quorum.VoteResult.LOST) {
                becomeFollower(term, 0);
            }
        }
    }

    private void stepFollower(Message m) {
        if (m instanceof Message.AppendEntries a) {
            electionElapsed = 0;
            lead = m.from();
            handleAppendEntries(a);
        } else if (m instanceof Message.Heartbeat h) {
            electionElapsed = 0;
            lead = m.from();
            handleHeartbeat(h);
        } else if (m instanceof Message.InstallSnapshot s) {
            electionElapsed = 0;
            lead = m.from();
            handleSnapshot(s);
        } else if (m instanceof Message.TransferLeader t) {
            if (lead != 0) {
                send(new Message.TransferLeader(id, lead, term, t.transferee()));
            }
        } else if (m instanceof Message.TimeoutNow) {
            hup(true);
        } else if (m instanceof Message.ReadIndexResponse r) {
            readStates.add(new ReadState(r.index(), r.readCtx()));
        }
    }

    // ---- follower side of replication (Raft §5.3)

    private void handleAppendEntries(Message.AppendEntries m) {
        if (m.prevIndex() < log.committed) {
            send(new Message.AppendResponse(id, m.from(), term, log.committed, false, 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(m.prevIndex(), m.prevTerm(), m.commit(), m.entries());
        if (lastNew >= 0) {
            send(new Message.AppendResponse(id, m.from(), term, lastNew, false, 0, 0));
            return;
        }
        // Tell the leader where our logs may agree, so it skips a whole term per round trip.
        long[] hint = log.findConflictByTerm(Math.min(m.prevIndex(), log.lastIndex()), m.prevTerm());
        send(new Message.AppendResponse(id, m.from(), term, m.prevIndex(), true, hint[0], hint[1]));
    }

    private void handleHeartbeat(Message.Heartbeat m) {
        log.commitTo(Math.min(m.commit(), log.lastIndex()));
        send(new Message.HeartbeatResponse(id, m.from(), term, m.readCtx()));
    }

    private void handleSnapshot(Message.InstallSnapshot m) {
        if (restore(m.snapshot())) {
            send(new Message.AppendResponse(id, m.from(), term, log.lastIndex(), false, 0, 0));
        } else {
            send(new Message.AppendResponse(id, m.from(), term, log.committed, false, 0, 0));
        }
    }

    /** Installs a snapshot if it moves this node forward; returns whether the log was replaced. */
    private boolean restore(Snapshot s) {
        if (s.index() <= log.committed) {
            return false;
        }
        if (log.applying > log.applied) {
            // Committed entries are with the application and not yet acknowledged (a Ready is outstanding);
            // replacing the state under them would apply their conf changes to the wrong configuration.
            // Decline; the leader sends the snapshot again after its next probe.
            return false;
        }
        // The snapshot's configuration may not include this node yet (it was taken before we were added):
        // that is fine, the entries after it add us. It holds only committed state either way.
        ConfState cs = s.metadata().confState();
        if (log.matchTerm(s.index(), s.term())) {
            // We already have the entries the snapshot covers: just learn that they are committed.
            log.commitTo(s.index());
            return false;
        }
        log.restore(s);
        ConfChanger.Result r = ConfChanger.restore(cs, log.lastIndex(), config.maxInflightMsgs(),
                config.maxInflightBytes());
        tracker.config = r.config();
        tracker.progress = r.progress();
        return true;
    }

    // ---- requests from the application

    ProposeResult propose(byte[] data) {
        return leader.propose(List.of(new Entry(0, 0, EntryType.NORMAL, data)), null);
    }

    ProposeResult proposeConfChange(ConfChange cc) {
        return leader.propose(List.of(new Entry(0, 0, EntryType.CONF_CHANGE, cc.encode())), cc);
    }

    boolean readIndex(long ctx) {
        if (state == StateRole.LEADER) {
            leader.handleReadIndex(id, ctx);
            return true;
        }
        if (lead == 0 || state != StateRole.FOLLOWER) {
            return false;
        }
        send(new Message.ReadIndexRequest(id, lead, term, ctx));
        return true;
    }

    void transferLeadership(long transferee) {
        if (state == StateRole.LEADER) {
            leader.handleTransferLeader(transferee);
        } else if (lead != 0 && state == StateRole.FOLLOWER) {
            send(new Message.TransferLeader(id, lead, term, transferee));
        }
    }

    void forgetLeader() {
        if (state == StateRole.FOLLOWER && lead != 0) {
            lead = 0;
        }
    }

    void reportUnreachable(long peer) {
        if (state == StateRole.LEADER) {
            Progress pr = tracker.progress.get(peer);
            if (pr != null && pr.state == Status.ProgressState.REPLICATE) {
                pr.becomeProbe();
            }
        }
    }

    void reportSnapshot(long peer, boolean success) {
        if (state != StateRole.LEADER) {
            return;
        }
        Progress pr = tracker.progress.get(peer);
        if (pr != null && pr.state == Status.ProgressState.SNAPSHOT) {
            leader.onSnapshotReported(pr, success);
        }
    }

    ConfState applyConfChange(ConfChange cc) {
        ConfChanger.Result r;
        try {
            r = new ConfChanger(tracker.config, tracker.progress, log.lastIndex(), config.maxInflightMsgs(),
                    config.maxInflightBytes()).apply(cc);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("node " + id + ": committed conf change " + cc + " is invalid against "
                    + tracker.config + ": " + e.getMessage(), e);
        }
        tracker.config = r.config();
        tracker.progress = r.progress();
        if (state == StateRole.LEADER && !tracker.config.voters().isEmpty()) {
            leader.onConfigChanged();
        }
        return tracker.config;
    }

    void advance(Ready rd) {
        rd.snapshot().ifPresent(s -> {
            log.stableSnapTo(s.index());
            log.appliedTo(s.index());
        });
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.index(), last.term());
            if (state == StateRole.LEADER) {
                leader.onSelfPersisted();
            }
        }
        if (!rd.committedEntries().isEmpty()) {
            List<Entry> ce = rd.committedEntries();
            log.appliedTo(ce.get(ce.size() - 1).index());
            if (state == StateRole.LEADER) {
                leader.onApplied(ce);
            }
        }
    }

    Status status() {
        return new Status(id, hardState(), softState(), log.applied, log.lastIndex(), tracker.config,
                leadTransferee, state == StateRole.LEADER ? tracker.views() : new java.util.TreeMap<>());
    }
}
