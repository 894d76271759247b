package io.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} implementation shares (etcd's conventions): the in-memory model
 * the simulator uses and the RocksDB store the server uses must agree, or a bug found in simulation
 * would not be the bug in production. Subclasses say how to create a storage and how to write to it.
 *
 * <p>Known, intended difference: a durable store refuses to compact beyond its newest snapshot (a
 * follower needing those entries could not be caught up); these tests always snapshot before compacting.
 */
public abstract class StorageContractTest {

    /** A fresh storage: empty log, no snapshot, empty hard state. */
    protected abstract Storage create() throws Exception;

    /** Appends, replacing any conflicting suffix; entries at or below the compaction point are skipped. */
    protected abstract void append(Storage s, List<Entry> entries);

    protected abstract void setHardState(Storage s, HardState hs);

    /** Resets the log to a snapshot received from a leader; older snapshots are ignored. */
    protected abstract void applySnapshot(Storage s, SnapshotMetadata meta);

    /** Records a snapshot at {@code index} (newer than the current one, within the log). */
    protected abstract void createSnapshot(Storage s, long index, ConfState conf);

    protected abstract void compact(Storage s, long index);

    /** What a restart leaves (durable implementations reopen from disk). */
    protected Storage reopen(Storage s) throws Exception {
        return s;
    }

    private static final ConfState CONF = ConfState.of(List.of(1L, 2L, 3L));

    static List<Entry> entries(long from, long... terms) {
        List<Entry> l = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            l.add(Entry.normal(terms[i], from + i, ("e" + (from + i) + "t" + terms[i]).getBytes()));
        }
        return l;
    }

    @Test
    void emptyStorage() throws Exception {
        Storage s = create();
        assertEquals(1, s.firstIndex());
        assertEquals(0, s.lastIndex());
        assertEquals(0, s.term(0));
        assertEquals(List.of(), s.entries(1, 1, Long.MAX_VALUE));
        assertEquals(HardState.EMPTY, s.initialState().hardState());
        assertTrue(s.snapshot().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> s.term(1));
        assertThrows(IllegalArgumentException.class, () -> s.entries(1, 2, Long.MAX_VALUE));
    }

    @Test
    void appendThenReadBackAfterRestart() throws Exception {
        Storage s = create();
        List<Entry> ents = entries(1, 1, 1, 2, 2, 3);
        append(s, ents);
        Storage r = reopen(s);
        assertEquals(1, r.firstIndex());
        assertEquals(5, r.lastIndex());
        assertEquals(ents, r.entries(1, 6, Long.MAX_VALUE));
        assertEquals(ents.subList(1, 3), r.entries(2, 4, Long.MAX_VALUE));
        long[] terms = {0, 1, 1, 2, 2, 3};
        for (int i = 0; i <= 5; i++) {
            assertEquals(terms[i], r.term(i), "term(" + i + ")");
        }
        assertThrows(IllegalArgumentException.class, () -> r.term(6));
    }

    @Test
    void conflictingSuffixIsReplaced() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 1, 1, 1));
        append(s, entries(3, 2, 2));
        Storage r = reopen(s);
        assertEquals(4, r.lastIndex());
        List<Entry> expected = new ArrayList<>(entries(1, 1, 1));
        expected.addAll(entries(3, 2, 2));
        assertEquals(expected, r.entries(1, 5, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> r.term(5));
        // Appending a suffix again continues from the new last index.
        append(r, entries(5, 3));
        assertEquals(3, r.term(5));
    }

    @Test
    void appendingAnEarlierIndexTruncatesEvenWhenTermsMatch() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 1, 1));
        append(s, entries(2, 1));
        assertEquals(2, reopen(s).lastIndex());
    }

    @Test
    void appendWithAGapIsRefused() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1));
        assertThrows(IllegalStateException.class, () -> append(s, entries(4, 1)));
        assertEquals(2, s.lastIndex());
    }

    @Test
    void entriesRespectTheByteLimitButReturnAtLeastOne() throws Exception {
        Storage s = create();
        List<Entry> ents = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            ents.add(Entry.normal(1, i, new byte[100]));
        }
        append(s, ents);
        long each = ents.get(0).sizeBytes();
        assertEquals(1, s.entries(1, 11, 0).size());
        assertEquals(1, s.entries(1, 11, each).size());
        assertEquals(1, s.entries(1, 11, 2 * each - 1).size());
        assertEquals(3, s.entries(1, 11, 3 * each).size());
        assertEquals(3, s.entries(1, 11, 4 * each - 1).size());
        assertEquals(10, s.entries(1, 11, Long.MAX_VALUE).size());
        assertEquals(ents.subList(4, 6), s.entries(5, 11, 2 * each));
    }

    @Test
    void entriesBounds() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 1));
        assertEquals(List.of(), s.entries(2, 2, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> s.entries(1, 5, Long.MAX_VALUE));
        assertThrows(LogCompactedException.class, () -> s.entries(0, 2, Long.MAX_VALUE));
    }

    @Test
    void hardStateSurvivesRestart() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 2, 3));
        HardState hs = new HardState(3, 2, 2);
        setHardState(s, hs);
        assertEquals(hs, s.initialState().hardState());
        assertEquals(hs, reopen(s).initialState().hardState());
    }

    @Test
    void compactionKeepsTheTermOfTheCompactionPoint() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4));
        createSnapshot(s, 5, CONF);
        compact(s, 5);
        s = reopen(s);
        assertEquals(6, s.firstIndex());
        assertEquals(10, s.lastIndex());
        assertEquals(3, s.term(5));
        assertEquals(3, s.term(6));
        Storage t = s;
        assertThrows(LogCompactedException.class, () -> t.term(4));
        assertThrows(LogCompactedException.class, () -> t.entries(5, 7, Long.MAX_VALUE));
        assertEquals(entries(6, 3, 3, 4, 4, 4), s.entries(6, 11, Long.MAX_VALUE));
        // Compacting again at or below the point is a no-op.
        compact(s, 3);
        compact(s, 5);
        assertEquals(6, s.firstIndex());
        assertThrows(IllegalStateException.class, () -> compact(t, 11));
    }

    @Test
    void compactingEverythingLeavesAnEmptyLogAtThePoint() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 2, 2));
        createSnapshot(s, 3, CONF);
        compact(s, 3);
        s = reopen(s);
        assertEquals(4, s.firstIndex());
        assertEquals(3, s.lastIndex());
        assertEquals(2, s.term(3));
        assertEquals(List.of(), s.entries(4, 4, Long.MAX_VALUE));
        append(s, entries(4, 3));
        assertEquals(4, s.lastIndex());
    }

    @Test
    void createSnapshotRecordsMetadata() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 2, 2));
        createSnapshot(s, 3, CONF);
        s = reopen(s);
        assertEquals(new SnapshotMetadata(3, 2, CONF), s.snapshot().metadata());
        Storage t = s;
        assertThrows(IllegalStateException.class, () -> createSnapshot(t, 3, CONF));
        assertThrows(IllegalStateException.class, () -> createSnapshot(t, 2, CONF));
        assertThrows(IllegalStateException.class, () -> createSnapshot(t, 5, CONF));
        // Creating a snapshot does not compact.
        assertEquals(1, s.firstIndex());
    }

    @Test
    void installedSnapshotReplacesTheLog() throws Exception {
        Storage s = create();
        append(s, entries(1, 1, 1, 1, 1, 1));
        SnapshotMetadata meta = new SnapshotMetadata(10, 4, CONF);
        applySnapshot(s, meta);
        s = reopen(s);
        assertEquals(11, s.firstIndex());
        assertEquals(10, s.lastIndex());
        assertEquals(4, s.term(10));
        assertEquals(meta, s.snapshot().metadata());
        assertEquals(CONF, s.initialState().confState());
        Storage t = s;
        assertThrows(LogCompactedException.class, () -> t.term(9));
        assertThrows(LogCompactedException.class, () -> t.entries(5, 11, Long.MAX_VALUE));
        assertThrows(IllegalStateException.class, () -> append(t, entries(12, 4)));
        append(s, entries(11, 4, 5));
        assertEquals(entries(11, 4, 5), s.entries(11, 13, Long.MAX_VALUE));
    }

    @Test
    void olderSnapshotIsIgnored() throws Exception {
        Storage s = create();
        applySnapshot(s, new SnapshotMetadata(10, 4, CONF));
        append(s, entries(11, 4));
        applySnapshot(s, new SnapshotMetadata(8, 3, ConfState.of(List.of(1L))));
        s = reopen(s);
        assertEquals(11, s.firstIndex());
        assertEquals(11, s.lastIndex());
        assertEquals(new SnapshotMetadata(10, 4, CONF), s.snapshot().metadata());
    }

    @Test
    void appendSkipsEntriesAtOrBelowTheCompactionPoint() throws Exception {
        Storage s = create();
        applySnapshot(s, new SnapshotMetadata(10, 4, CONF));
        append(s, entries(8, 4, 4, 4, 4, 5));
        s = reopen(s);
        assertEquals(11, s.firstIndex());
        assertEquals(12, s.lastIndex());
        assertEquals(entries(11, 4, 5), s.entries(11, 13, Long.MAX_VALUE));
        // Entirely compacted input changes nothing.
        append(s, entries(5, 4, 4));
        assertEquals(12, s.lastIndex());
    }
}
