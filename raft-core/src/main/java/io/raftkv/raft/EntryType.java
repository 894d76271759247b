package io.raftkv.raft;

/** What an entry's payload means to the core: opaque application data, or a membership change. */
public enum EntryType {
    /** Application data; an empty payload is the leader's no-op that commits its term. */
    NORMAL,
    /** A {@link ConfChange}, encoded by {@link ConfChange#encode()}. */
    CONF_CHANGE
}
