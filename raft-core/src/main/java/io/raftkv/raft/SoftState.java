package io.raftkv.raft;

/** Volatile state worth telling the application about; never persisted. 0 means "no leader known". */
public record SoftState(long leader, StateRole role) {
}
