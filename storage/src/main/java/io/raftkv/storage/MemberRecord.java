package io.raftkv.storage;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the replicated state remembers about a member added or removed at runtime: the context its
 * conf change carried (opaque here; the server keeps the member's addresses in it), or that the id was
 * removed. Removed ids stay as tombstones so that an id is never handed out twice: a node that comes
 * back under a reused id with a wiped disk could vote twice in a term it already voted in.
 *
 * @param id      the member's node id
 * @param removed true once a conf change removed it; {@code context} is then empty
 * @param context the context of the conf change that added it (empty for founding members' promotions)
 */
public record MemberRecord(long id, boolean removed, byte[] context) {
    private static final byte MEMBER = 1;
    private static final byte REMOVED = 2;

    public MemberRecord {
        context = context == null ? new byte[0] : context;
    }

    /**
     * The records a committed change leaves, given the configurations before and after the core applied
     * it: a tombstone per id that was a member before and is none after, and the context of each id it
     * added or promoted when the change carries one. Removals are read from the configurations, not from
     * the change: a member removed through a joint configuration is still present (as an outgoing voter)
     * after the change that names it and leaves with the change that leaves the joint configuration,
     * which names nobody; judged by the change alone, it never got a tombstone and its id could be reused.
     * The one rule for both the stored records and the server's in-memory view, so a restart (which
     * reloads the records) sees what the running node saw.
     */
    public static List<MemberRecord> of(ConfChange cc, ConfState before, ConfState after) {
        List<MemberRecord> out = new ArrayList<>(cc.changes().size());
        for (long id : before.allMembers()) {
            if (!after.allMembers().contains(id)) {
                out.add(new MemberRecord(id, true, null));
            }
        }
        for (ConfChange.Single s : cc.changes()) {
            boolean present = after.allMembers().contains(s.nodeId());
            if (s.type() != ConfChange.Type.REMOVE_NODE && present && cc.context().length > 0) {
                out.add(new MemberRecord(s.nodeId(), false, cc.context()));
            }
        }
        return out;
    }

    byte[] encode() {
        byte[] v = new byte[1 + context.length];
        v[0] = removed ? REMOVED : MEMBER;
        System.arraycopy(context, 0, v, 1, context.length);
        return v;
    }

    static MemberRecord decode(long id, byte[] v, String where) {
        if (v.length == 0 || (v[0] != MEMBER && v[0] != REMOVED) || (v[0] == REMOVED && v.length != 1)) {
            throw new CorruptionException(where + ": member record of node " + id + " is malformed (" + v.length + " bytes)");
        }
        return new MemberRecord(id, v[0] == REMOVED, Arrays.copyOfRange(v, 1, v.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemberRecord m && m.id == id && m.removed == removed && Arrays.equals(m.context, context);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + (removed ? 1 : 0) + Arrays.hashCode(context) * 7;
    }

    @Override
    public String toString() {
        return "MemberRecord[" + id + (removed ? " removed" : " context=" + context.length + "B") + "]";
    }
}
