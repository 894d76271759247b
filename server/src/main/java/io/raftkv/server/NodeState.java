package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;

/**
 * The few facts every thread of a node reads: whether it runs, whether a stage failed, whether a peer told
 * it that it was removed, and the status the raft thread publishes. Written by their one owner each.
 */
final class NodeState {
    private final long nodeId;
    private volatile boolean running = true;
    private volatile NodeException halted;
    private volatile String toldRemoved;
    private volatile RaftNode.NodeStatus status;
    private volatile NodeHealth health;

    NodeState(long nodeId) {
        this.nodeId = nodeId;
    }

    boolean running() {
        return running;
    }

    void stopRunning() {
        running = false;
    }

    NodeException halted() {
        return halted;
    }

    /** Records the first failure; returns false if the node had already halted. */
    boolean halt(String why) {
        if (halted != null) {
            return false;
        }
        halted = NodeException.of(ErrorDetail.Code.STORAGE_FAILED, "node " + nodeId + " stopped serving: " + why);
        return true;
    }

    String toldRemoved() {
        return toldRemoved;
    }

    /** Returns true the first time. */
    boolean toldRemoved(String why) {
        if (toldRemoved != null) {
            return false;
        }
        toldRemoved = why;
        return true;
    }

    void watchHealth(NodeHealth h) {
        health = h;
    }

    /** The raft thread saw this node lose its leader. */
    void leaderLost() {
        NodeHealth h = health;
        if (h != null) {
            h.leaderLost();
        }
    }

    RaftNode.NodeStatus status() {
        return status;
    }

    void publish(RaftNode.NodeStatus s) {
        status = s;
    }
}
