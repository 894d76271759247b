package io.raftkv.raft;

public enum StateRole {
    FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER
}
