package io.raftkv.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A membership change in the style of etcd's ConfChangeV2. One voter change (or any number of learner
 * changes) can be made directly; more than one voter change goes through joint consensus (Raft thesis
 * §4.3). An empty change leaves a joint configuration.
 *
 * <p>{@code context} is opaque to the core and travels with the entry to every replica (etcd puts the
 * new member's addresses there, and so does the server). The array is owned by the change once built.
 */
public record ConfChange(Transition transition, List<Single> changes, byte[] context) {
    /** Largest context the core accepts: it rides in a log entry and in every replica's state. */
    public static final int MAX_CONTEXT_BYTES = 64 << 10;
    private static final byte[] NO_CONTEXT = new byte[0];

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
        context = context == null ? NO_CONTEXT : context;
        if (context.length > MAX_CONTEXT_BYTES) {
            throw new IllegalArgumentException("conf change context of " + context.length + " bytes exceeds the limit of "
                    + MAX_CONTEXT_BYTES);
        }
    }

    public ConfChange(Transition transition, List<Single> changes) {
        this(transition, changes, NO_CONTEXT);
    }

    public static ConfChange addNode(long id) {
        return addNode(id, NO_CONTEXT);
    }

    public static ConfChange addNode(long id, byte[] context) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.ADD_NODE, id)), context);
    }

    public static ConfChange addLearner(long id) {
        return addLearner(id, NO_CONTEXT);
    }

    public static ConfChange addLearner(long id, byte[] context) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.ADD_LEARNER_NODE, id)), context);
    }

    public static ConfChange removeNode(long id) {
        return new ConfChange(Transition.AUTO, List.of(new Single(Type.REMOVE_NODE, id)));
    }

    /** The change that leaves a joint configuration. */
    public static ConfChange leaveJoint() {
        return new ConfChange(Transition.AUTO, List.of());
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

    /**
     * A compact, versioned binary form for the log. Version 2 carries the context as bytes; version 1
     * (an unused 8-byte context) is still read, so logs written before stay readable.
     */
    public byte[] encode() {
        ByteBuffer buf = ByteBuffer.allocate(1 + 1 + 4 + context.length + 4 + changes.size() * 9);
        buf.put((byte) 2).put((byte) transition.ordinal()).putInt(context.length).put(context).putInt(changes.size());
        for (Single s : changes) {
            buf.put((byte) s.type.ordinal()).putLong(s.nodeId);
        }
        return buf.array();
    }

    public static ConfChange decode(byte[] data) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(data);
            byte version = buf.get();
            if (version != 1 && version != 2) {
                throw new IllegalStateException("unknown ConfChange encoding version " + version);
            }
            Transition transition = Transition.values()[buf.get()];
            byte[] context = NO_CONTEXT;
            if (version == 1) {
                buf.getLong();
            } else {
                int len = buf.getInt();
                if (len < 0 || len > MAX_CONTEXT_BYTES) {
                    throw new IllegalStateException("implausible ConfChange context size " + len);
                }
                context = new byte[len];
                buf.get(context);
            }
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

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfChange c && c.transition == transition && c.changes.equals(changes)
                && Arrays.equals(c.context, context);
    }

    @Override
    public int hashCode() {
        return (transition.hashCode() * 31 + changes.hashCode()) * 31 + Arrays.hashCode(context);
    }

    @Override
    public String toString() {
        return "ConfChange[" + transition + " " + changes + (context.length == 0 ? "" : " context=" + context.length + "B") + "]";
    }
}
