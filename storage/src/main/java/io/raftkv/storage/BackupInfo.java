package io.raftkv.storage;

import io.raftkv.raft.ConfState;

/**
 * What a verified backup file holds.
 *
 * @param formatVersion  backup file format version
 * @param clusterId      id of the cluster the backup was taken from (as its data directories record it)
 * @param nodeId         the node that streamed it
 * @param index          applied index of the state in the backup (every entry up to it, nothing after)
 * @param term           term of the entry at {@code index}
 * @param members        that cluster's configuration at {@code index}
 * @param createdMillis  wall-clock time on the node when the image was taken (informational)
 * @param linearizable   the node confirmed leadership and applied every acknowledged write before taking it
 * @param chunks         checksummed chunks in the image
 * @param records        records in the image (keys, sessions and state metadata)
 * @param keys           key/value pairs
 * @param sessions       client sessions (exactly-once table)
 * @param sizeBytes      file size
 * @param sha256         hex SHA-256 of the file up to the digest itself (what the trailer records)
 */
public record BackupInfo(int formatVersion, String clusterId, long nodeId, long index, long term, ConfState members,
                         long createdMillis, boolean linearizable, int chunks, long records, long keys, long sessions,
                         long sizeBytes, String sha256) {
}
