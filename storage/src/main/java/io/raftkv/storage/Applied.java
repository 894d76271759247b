package io.raftkv.storage;

/**
 * The outcome of one applied log entry. {@code request} is null for entries that carry none (the leader's
 * empty entry, configuration changes, malformed payloads). The server completes a waiting client by
 * index and term (from {@code ProposeResult.Appended}) or by session and sequence.
 */
public record Applied(long index, long term, Request request, Result result) {
}
