package io.raftkv.client;

/**
 * Where an answer came from.
 *
 * @param memberId the node that answered
 * @param term     its Raft term when it answered
 * @param index    for writes the log index of the write; for reads the applied index the read observed
 */
public record Header(long memberId, long term, long index) {
}
