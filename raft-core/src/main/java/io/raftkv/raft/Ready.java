package io.raftkv.raft;

import java.util.List;
import java.util.Optional;

/**
 * Everything the driver must do after the core changed, as one immutable value. The driver:
 * <ol>
 *   <li>sends {@link #messages()} at once (the leader's replication overlaps its own disk write,
 *       thesis §10.2.1);</li>
 *   <li>persists {@link #snapshot()}, then {@link #entries()}, then {@link #hardState()}, durably when
 *       {@link #mustSync()};</li>
 *   <li>only then sends {@link #persistedMessages()} (votes and acknowledgements promise persisted state);</li>
 *   <li>applies {@link #committedEntries()} in order (all are already persisted locally), serves
 *       {@link #readStates()} once applied reaches their index;</li>
 *   <li>calls {@link RawNode#advance(Ready)}.</li>
 * </ol>
 * Between {@link RawNode#ready()} and {@code advance} the driver may keep stepping, ticking and
 * proposing, but must not call {@code ready()} again.
 */
public record Ready(
        Optional<SoftState> softState,
        Optional<HardState> hardState,
        List<ReadState> readStates,
        List<Entry> entries,
        Optional<Snapshot> snapshot,
        List<Entry> committedEntries,
        List<Message> messages,
        List<Message> persistedMessages,
        boolean mustSync) {

    public Ready {
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
        persistedMessages = List.copyOf(persistedMessages);
    }
}
