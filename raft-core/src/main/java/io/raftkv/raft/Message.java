package io.raftkv.raft;

import java.util.List;
import java.util.Objects;

/**
 * Messages exchanged between Raft peers. Every message carries the sender's term; a message of a higher
 * term makes the receiver step up (or, for pre-votes, merely answer). Node ids are positive; 0 means none.
 */
public sealed interface Message {
    long from();

    long to();

    long term();

    /**
     * AppendEntries (Raft §5.3): {@code entries} follow the entry at ({@code prevIndex}, {@code prevTerm}),
     * and the receiver may commit up to {@code commit}.
     */
    record AppendEntries(long from, long to, long term, long prevTerm, long prevIndex, List<Entry> entries, long commit)
            implements Message {
        public AppendEntries {
            entries = List.copyOf(entries);
        }

        public long lastIndex() {
            return prevIndex + entries.size();
        }
    }

    /**
     * Answer to AppendEntries. On success {@code index} is the last index now known to match the leader.
     * On rejection {@code index} is the rejected {@code prevIndex} and ({@code hintIndex}, {@code hintTerm})
     * is the receiver's best guess of where the logs may agree (fast back-off, thesis §5.3 / etcd).
     */
    record AppendResponse(long from, long to, long term, long index, boolean reject, long hintIndex, long hintTerm)
            implements Message {
    }

    /** Heartbeat: keeps followers from campaigning, carries commit, and confirms leadership for reads. */
    record Heartbeat(long from, long to, long term, long commit, long readCtx) implements Message {
    }

    record HeartbeatResponse(long from, long to, long term, long readCtx) implements Message {
    }

    /**
     * RequestVote (Raft §5.2, §5.4.1). With {@code preVote} the sender has not incremented its term:
     * {@code term} is the term it would campaign in (thesis §9.6). {@code leaderTransfer} marks a campaign
     * started by TimeoutNow, which receivers honour even though they have a live leader (thesis §3.10).
     */
    record VoteRequest(long from, long to, long term, long lastIndex, long lastTerm, boolean preVote,
                       boolean leaderTransfer) implements Message {
    }

    record VoteResponse(long from, long to, long term, boolean preVote, boolean reject) implements Message {
    }

    /** InstallSnapshot (Raft §7): the data itself may travel out of band; see {@link Snapshot}. */
    record InstallSnapshot(long from, long to, long term, Snapshot snapshot) implements Message {
        public InstallSnapshot {
            Objects.requireNonNull(snapshot, "snapshot");
        }
    }

    /** Leadership transfer (thesis §3.10): the receiver starts an election at once. */
    record TimeoutNow(long from, long to, long term) implements Message {
    }

    /** A follower forwards a linearizable read to its leader (thesis §6.4). */
    record ReadIndexRequest(long from, long to, long term, long readCtx) implements Message {
    }

    record ReadIndexResponse(long from, long to, long term, long index, long readCtx) implements Message {
    }

    /** A follower forwards a leadership-transfer request to its leader. */
    record TransferLeader(long from, long to, long term, long transferee) implements Message {
    }
}
