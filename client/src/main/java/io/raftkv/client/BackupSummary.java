package io.raftkv.client;

/**
 * What {@link RaftKvClient#backup} received: where the backup was taken and what the file holds, by the
 * node's announcement and the file's own trailer. The client checked the trailer's SHA-256 against every
 * byte it received before it returned this; {@code raftkv backup status FILE} checks every record too.
 *
 * @param nodeId       the node that produced the backup
 * @param index        the applied index the backup holds exactly
 * @param term         that index's term
 * @param clusterId    the cluster's id (hex), as the node's data directory records it
 * @param linearizable whether the node confirmed with the leader first (it holds every write acknowledged
 *                     before the call); false: the node's local state as it was
 * @param bytes        the size of the backup file
 * @param chunks       checksummed chunks in the file
 * @param keys         keys in the backup
 * @param sessions     client sessions in the backup
 * @param sha256       the file's SHA-256 (hex) over every byte before it, as its trailer records it
 */
public record BackupSummary(long nodeId, long index, long term, String clusterId, boolean linearizable, long bytes,
                            int chunks, long keys, long sessions, String sha256) {
}
