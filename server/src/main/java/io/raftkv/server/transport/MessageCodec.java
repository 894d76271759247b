package io.raftkv.server.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.proto.peer.RaftMessage;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Message;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Core {@link Message} to proto {@link RaftMessage} and back, one to one. Decoding throws
 * {@link IllegalArgumentException} for anything the core would not accept (no body, unknown entry type,
 * ids or indexes beyond a signed long): the receiving stream is then closed with INVALID_ARGUMENT.
 */
final class MessageCodec {
    private MessageCodec() {
    }

    static RaftMessage encode(Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder().setFrom(m.from()).setTo(m.to()).setTerm(m.term());
        // Java 17: no pattern matching in switch, so an instanceof chain over the sealed interface.
        if (m instanceof Message.AppendEntries a) {
            io.raftkv.proto.peer.AppendEntries.Builder ab = io.raftkv.proto.peer.AppendEntries.newBuilder()
                    .setPrevTerm(a.prevTerm()).setPrevIndex(a.prevIndex()).setCommit(a.commit());
            for (Entry e : a.entries()) {
                ab.addEntries(encode(e));
            }
            b.setAppend(ab);
        } else if (m instanceof Message.AppendResponse r) {
            b.setAppendResponse(io.raftkv.proto.peer.AppendResponse.newBuilder().setIndex(r.index()).setReject(r.reject())
                    .setHintIndex(r.hintIndex()).setHintTerm(r.hintTerm()));
        } else if (m instanceof Message.Heartbeat h) {
            b.setHeartbeat(io.raftkv.proto.peer.Heartbeat.newBuilder().setCommit(h.commit()).setReadCtx(h.readCtx()));
        } else if (m instanceof Message.HeartbeatResponse h) {
            b.setHeartbeatResponse(io.raftkv.proto.peer.HeartbeatResponse.newBuilder().setReadCtx(h.readCtx()));
        } else if (m instanceof Message.VoteRequest v) {
            b.setVote(io.raftkv.proto.peer.VoteRequest.newBuilder().setLastIndex(v.lastIndex()).setLastTerm(v.lastTerm())
                    .setPreVote(v.preVote()).setLeaderTransfer(v.leaderTransfer()));
        } else if (m instanceof Message.VoteResponse v) {
            b.setVoteResponse(io.raftkv.proto.peer.VoteResponse.newBuilder().setPreVote(v.preVote()).setReject(v.reject()));
        } else if (m instanceof Message.InstallSnapshot s) {
            // Only the metadata: the image travels on RaftPeer.InstallSnapshot (see SnapshotTransfers).
            b.setSnapshot(io.raftkv.proto.peer.InstallSnapshot.newBuilder().setMetadata(encode(s.snapshot().metadata())));
        } else if (m instanceof Message.TimeoutNow) {
            b.setTimeoutNow(io.raftkv.proto.peer.TimeoutNow.getDefaultInstance());
        } else if (m instanceof Message.ReadIndexRequest r) {
            b.setReadIndex(io.raftkv.proto.peer.ReadIndexRequest.newBuilder().setReadCtx(r.readCtx()));
        } else if (m instanceof Message.ReadIndexResponse r) {
            b.setReadIndexResponse(io.raftkv.proto.peer.ReadIndexResponse.newBuilder().setIndex(r.index()).setReadCtx(r.readCtx()));
        } else if (m instanceof Message.TransferLeader t) {
            b.setTransferLeader(io.raftkv.proto.peer.TransferLeader.newBuilder().setTransferee(t.transferee()));
        } else {
            throw new IllegalArgumentException("no encoding for " + m.getClass().getName());
        }
        return b.build();
    }

    static Message decode(RaftMessage p) {
        long from = p.getFrom();
        long to = p.getTo();
        long term = nonNegative(p.getTerm(), "term");
        switch (p.getBodyCase()) {
            case APPEND: {
                io.raftkv.proto.peer.AppendEntries a = p.getAppend();
                List<Entry> entries = new ArrayList<>(a.getEntriesCount());
                for (io.raftkv.proto.peer.Entry e : a.getEntriesList()) {
                    entries.add(decode(e));
                }
                return new Message.AppendEntries(from, to, term, a.getPrevTerm(), a.getPrevIndex(), entries, a.getCommit());
            }
            case APPEND_RESPONSE: {
                io.raftkv.proto.peer.AppendResponse r = p.getAppendResponse();
                return new Message.AppendResponse(from, to, term, r.getIndex(), r.getReject(), r.getHintIndex(), r.getHintTerm());
            }
            case HEARTBEAT:
                return new Message.Heartbeat(from, to, term, p.getHeartbeat().getCommit(), p.getHeartbeat().getReadCtx());
            case HEARTBEAT_RESPONSE:
                return new Message.HeartbeatResponse(from, to, term, p.getHeartbeatResponse().getReadCtx());
            case VOTE: {
                io.raftkv.proto.peer.VoteRequest v = p.getVote();
                return new Message.VoteRequest(from, to, term, v.getLastIndex(), v.getLastTerm(), v.getPreVote(), v.getLeaderTransfer());
            }
            case VOTE_RESPONSE:
                return new Message.VoteResponse(from, to, term, p.getVoteResponse().getPreVote(), p.getVoteResponse().getReject());
            case SNAPSHOT:
                return new Message.InstallSnapshot(from, to, term, new Snapshot(decode(p.getSnapshot().getMetadata()), null));
            case TIMEOUT_NOW:
                return new Message.TimeoutNow(from, to, term);
            case READ_INDEX:
                return new Message.ReadIndexRequest(from, to, term, p.getReadIndex().getReadCtx());
            case READ_INDEX_RESPONSE:
                return new Message.ReadIndexResponse(from, to, term, p.getReadIndexResponse().getIndex(),
                        p.getReadIndexResponse().getReadCtx());
            case TRANSFER_LEADER:
                return new Message.TransferLeader(from, to, term, p.getTransferLeader().getTransferee());
            case BODY_NOT_SET:
            default:
                throw new IllegalArgumentException("Raft message from " + from + " to " + to + " has no known body: "
                        + p.getBodyCase());
        }
    }

    static io.raftkv.proto.peer.Entry encode(Entry e) {
        // unsafeWrap shares the entry's array: Entry documents that nobody mutates it after construction.
        return io.raftkv.proto.peer.Entry.newBuilder().setTerm(e.term()).setIndex(e.index())
                .setType(e.type() == EntryType.NORMAL ? io.raftkv.proto.peer.EntryType.NORMAL
                        : io.raftkv.proto.peer.EntryType.CONF_CHANGE)
                .setData(e.data().length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(e.data()))
                .build();
    }

    static Entry decode(io.raftkv.proto.peer.Entry p) {
        EntryType type;
        switch (p.getType()) {
            case NORMAL:
                type = EntryType.NORMAL;
                break;
            case CONF_CHANGE:
                type = EntryType.CONF_CHANGE;
                break;
            default:
                throw new IllegalArgumentException("unknown entry type " + p.getTypeValue() + " at index " + p.getIndex());
        }
        // Entry owns a byte[]: this is the one copy on the receiving side.
        return new Entry(nonNegative(p.getTerm(), "entry term"), nonNegative(p.getIndex(), "entry index"), type,
                p.getData().toByteArray());
    }

    static io.raftkv.proto.peer.SnapshotMetadata encode(SnapshotMetadata m) {
        return io.raftkv.proto.peer.SnapshotMetadata.newBuilder().setIndex(m.index()).setTerm(m.term())
                .setConfState(encode(m.confState())).build();
    }

    static SnapshotMetadata decode(io.raftkv.proto.peer.SnapshotMetadata p) {
        return new SnapshotMetadata(nonNegative(p.getIndex(), "snapshot index"), nonNegative(p.getTerm(), "snapshot term"),
                decode(p.getConfState()));
    }

    static io.raftkv.proto.peer.ConfState encode(ConfState c) {
        return io.raftkv.proto.peer.ConfState.newBuilder().addAllVoters(c.voters()).addAllLearners(c.learners())
                .addAllVotersOutgoing(c.votersOutgoing()).addAllLearnersNext(c.learnersNext()).setAutoLeave(c.autoLeave())
                .build();
    }

    static ConfState decode(io.raftkv.proto.peer.ConfState p) {
        return new ConfState(ids(p.getVotersList()), ids(p.getLearnersList()), ids(p.getVotersOutgoingList()),
                ids(p.getLearnersNextList()), p.getAutoLeave());
    }

    private static java.util.SortedSet<Long> ids(Collection<Long> ids) {
        return new java.util.TreeSet<>(ids);
    }

    /** uint64 on the wire, signed long in the core: a value with the top bit set is garbage, not a big number. */
    private static long nonNegative(long v, String what) {
        if (v < 0) {
            throw new IllegalArgumentException(what + " out of range: " + Long.toUnsignedString(v));
        }
        return v;
    }
}
