package io.raftkv.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A membership change in the style of etcd's ConfChangeV2. One voter change (or any number of learner
 * changes) can be made directly; more than one voter change goes through joint consensus (Raft thesis
 * §4.3). An empty change leaves a joint configuration.
 */
public record ConfChange(Transition transition, List<Single> changes, long context) {

    public enum Type { ADD_NODE, ADD_LEARNER_NODE, REMOVE_NODE }

    /** How a change is carried out. */
    public enum Transition {
        /** Simple if possible, otherwise joint with automatic leave. */
        AUTO,
        /** Joint consensus, left automatically by the leader once the joint configuration is applied. */
        JOINT_IMPLICIT,
        /** Joint consensus, left only by an explicit empty ConfChange from the application. */
        JOINT_EXPLICIT
    }

    public record Single(Type type, long nodeId) {
        public Single {
            Objects.requireNonNull(type, "type");
            if (nodeId <= 0) {
                throw new IllegalArgumentException("node id must be positive: " + nodeId);
            }
        }
    }

    public ConfChange {
        Objects.requireNonNull(transition, "transition");
        changes = List.copyOf(changes);
    }

    public static ConfChange addNode(long id) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.ADD_NODE, id)), 0);
    }

    public static ConfChange addLearner(long id) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.ADD_LEARNER_NODE, id)), 0);
    }

    public static ConfChange removeNode(long id) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.REMOVE_NODE, id)), 0);
    }

    /** The change that leaves a joint configuration. */
    public static ConfChange leaveJoint() {
        return new ConfChange(Transition.AUTO, List.of(), 0);
    }

    public boolean isLeaveJoint() {
        return changes.isEmpty();
    }

    /**
     * Whether this change enters a joint configuration, and whether that joint configuration is left
     * automatically (etcd's EnterJoint semantics).
     */
    boolean entersJoint() {
        return transition != Transition.AUTO || changes.size() > 1;
    }

    boolean autoLeave() {
        return transition != Transition.JOINT_EXPLICIT;
    }

    /** A compact, versioned binary form for the log; the core is the only reader. */
    public byte[] encode() {
        ByteBuffer buf = ByteBuffer.allocate(1 + 1 + 8 + 4 + changes.size() * 9);
        buf.put((byte) 1).put((byte) transition.ordinal()).putLong(context).putInt(changes.size());
        for (Single s : changes) {
            buf.put((byte) s.type.ordinal()).putLong(s.nodeId);
        }
        return buf.array();
    }

    public static ConfChange decode(byte[] data) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(data);
            byte version = buf.get();
            if (version != 1) {
                throw new IllegalStateException("unknown ConfChange encoding version " + version);
            }
            Transition transition = Transition.values()[buf.get()];
            long context = buf.getLong();
            int n = buf.getInt();
            if (n < 0 || n > 1024) {
                throw new IllegalStateException("implausible ConfChange size " + n);
            }
            List<Single> changes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                changes.add(new Single(Type.values()[buf.get()], buf.getLong()));
            }
            if (buf.hasRemaining()) {
                throw new IllegalStateException("trailing bytes after ConfChange");
            }
            return new ConfChange(transition, changes, context);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("corrupt ConfChange entry (" + data.length + " bytes)", e);
        }
    }
}
