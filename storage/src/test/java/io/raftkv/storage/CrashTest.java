package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives a store the way the server does (synced appends with hard state, unsynced commit updates,
 * unsynced apply batches, snapshots and compaction), stops it at a random write, restarts it and checks:
 * every acknowledged entry and hard state is there, the applied index matches the data, and re-applying
 * the log from the applied index never applies anything twice.
 *
 * <p>The store is bootstrapped: index 1 (term 1) is the founding snapshot, applied and committed, and
 * entries start at 2. Every entry {@code i} of term {@code t} sets {@code counter=i} and {@code e/i=t}:
 * after any crash, {@code counter}'s value must equal the applied index and its version the number of
 * entries 2..applied (one put per applied entry, none applied twice), and the {@code e/} keys must be
 * exactly the committed entries up to it.
 */
class CrashTest {
    /** The founding snapshot's index: applied and committed from the start, no entry of its own. */
    static final long BOOT = MemoryStorage.BOOTSTRAP_INDEX;

    @TempDir
    Path tmp;

    /** What the driver was told is durable, plus the write in flight when it crashed. */
    static final class Model {
        final TreeMap<Long, Entry> log = new TreeMap<>();
        long term = 1;
        long commit = BOOT;
        long syncedCommit = BOOT;
        long applied = BOOT;
        long appliedDurable = BOOT;
        /** The write that failed; it may or may not have reached the disk. */
        List<Entry> inFlight = List.of();
        long inFlightTerm;
        /** Whether the crash hit an apply batch. */
        boolean applying;

        long last() {
            return log.isEmpty() ? BOOT : log.lastKey();
        }
    }

    static Entry entry(long term, long index) {
        return Fixtures.entry(term, index, new Command.Txn(List.of(),
                List.of(new Command.Put(b("counter"), b(Long.toString(index))),
                        new Command.Put(b(String.format("e/%08d", index)), b(Long.toString(term)))), List.of()));
    }

    private static int lostUnsyncedApplies;

    @ParameterizedTest(name = "power loss = {0}")
    @ValueSource(booleans = {false, true})
    void crashAtManyPointsDuringAppendsAndApplies(boolean powerLoss) throws Exception {
        int runs = powerLoss ? 60 : 30;
        int crashedMidApply = 0;
        lostUnsyncedApplies = 0;
        for (int seed = 0; seed < runs; seed++) {
            try {
                crashedMidApply += runOnce(seed, powerLoss) ? 1 : 0;
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + " (power loss " + powerLoss + "): " + e.getMessage(), e);
            }
        }
        assertTrue(crashedMidApply > 0, "no run crashed during an apply batch");
        // The simulation must really lose something, or the checks above prove nothing.
        assertTrue(!powerLoss || lostUnsyncedApplies > 0, "power loss never dropped an unsynced apply batch");
    }

    /** Returns whether the crash hit an apply batch. */
    private boolean runOnce(int seed, boolean powerLoss) throws IOException {
        Random rnd = new Random(seed * 7919L + (powerLoss ? 1 : 0));
        Path dir = tmp.resolve((powerLoss ? "pl-" : "kill-") + seed);
        StorageFaults faults = new StorageFaults();
        Model m = new Model();
        RaftStore s = Fixtures.open(dir, faults);
        int crashAt = 4 + rnd.nextInt(60);
        boolean useFailedSync = rnd.nextInt(3) == 0;
        if (!useFailedSync) {
            faults.failAfterWrites(crashAt, new IOException("injected crash"));
        }
        try {
            for (int step = 0; step < 500; step++) {
                if (useFailedSync && faults.writes() >= crashAt) {
                    faults.failNextSync(new IOException("injected fsync failure"));
                }
                int op = rnd.nextInt(10);
                if (op < 5 || m.commit == m.last()) {
                    append(s, m, rnd);
                } else if (op < 9) {
                    commitAndApply(s, m, rnd);
                } else if (m.applied > BOOT) {
                    var meta = s.createSnapshot();
                    s.compactLog(Math.max(s.log().firstIndex() - 1, meta.index() - rnd.nextInt(3)));
                }
            }
            fail("the injected crash never happened");
        } catch (StorageFailedException expected) {
            assertTrue(expected.getMessage().contains("injected"), expected.getMessage());
        }
        s.close();
        if (powerLoss) {
            faults.dropUnsyncedWrites(dir, rnd.nextBoolean() ? rnd : null);
        }
        try (RaftStore r = Fixtures.open(dir)) {
            verify(r, m, powerLoss);
            replayAndVerify(r);
        }
        return m.applying;
    }

    private void append(RaftStore s, Model m, Random rnd) {
        long from = m.last() + 1;
        long term = m.term;
        if (m.last() > m.commit && rnd.nextInt(4) == 0) {
            // A new leader overwrites part of our uncommitted suffix.
            from = m.commit + 1 + rnd.nextInt((int) (m.last() - m.commit));
            term = m.term + 1;
        }
        List<Entry> ents = new ArrayList<>();
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n; i++) {
            ents.add(entry(term, from + i));
        }
        m.inFlight = ents;
        m.inFlightTerm = term;
        s.persist(Fixtures.ready(ents, Optional.of(new HardState(term, 1, m.commit)), Optional.empty()));
        m.inFlight = List.of();
        m.log.tailMap(from, true).clear();
        ents.forEach(e -> m.log.put(e.index(), e));
        m.term = term;
        m.syncedCommit = m.commit;
        m.appliedDurable = m.applied;
    }

    private void commitAndApply(RaftStore s, Model m, Random rnd) {
        long newCommit = m.commit + 1 + rnd.nextInt((int) (m.last() - m.commit));
        // Only the commit index changed: the core does not ask for a sync.
        s.persist(new io.raftkv.raft.Ready(Optional.empty(), Optional.of(new HardState(m.term, 1, newCommit)), List.of(),
                List.of(), Optional.empty(), List.of(), List.of(), List.of(), false));
        m.commit = newCommit;
        while (m.applied < m.commit) {
            long to = Math.min(m.commit, m.applied + 1 + rnd.nextInt(5));
            List<Entry> batch = new ArrayList<>(m.log.subMap(m.applied + 1, true, to, true).values());
            m.applying = true;
            List<Applied> out = s.stateMachine().apply(batch, Map.of());
            m.applying = false;
            assertEquals(batch.size(), out.size());
            m.applied = to;
        }
    }

    private static void verify(RaftStore r, Model m, boolean powerLoss) {
        var log = r.log();
        HardState hs = log.hardState();
        boolean inFlightLanded = !m.inFlight.isEmpty() && log.lastIndex() == m.inFlight.get(m.inFlight.size() - 1).index()
                && log.lastIndex() >= log.firstIndex()
                && log.entries(log.lastIndex(), log.lastIndex() + 1, Long.MAX_VALUE).get(0).equals(m.inFlight.get(m.inFlight.size() - 1));
        TreeMap<Long, Entry> expected = new TreeMap<>(m.log);
        long expectedTerm = m.term;
        if (inFlightLanded) {
            expected.tailMap(m.inFlight.get(0).index(), true).clear();
            m.inFlight.forEach(e -> expected.put(e.index(), e));
            expectedTerm = m.inFlightTerm;
        }
        long last = expected.isEmpty() ? BOOT : expected.lastKey();
        assertEquals(last, log.lastIndex(), "last index (acknowledged " + m.last() + ")");
        if (log.firstIndex() <= last) {
            assertEquals(new ArrayList<>(expected.tailMap(log.firstIndex(), true).values()),
                    log.entries(log.firstIndex(), last + 1, Long.MAX_VALUE), "acknowledged entries");
        }
        assertEquals(expectedTerm, hs.term(), "term");
        assertEquals(1, hs.vote(), "vote");
        assertTrue(hs.commit() >= m.syncedCommit && hs.commit() <= last, "commit " + hs.commit() + " vs synced " + m.syncedCommit);

        long applied = r.stateMachine().appliedIndex();
        assertTrue(applied <= hs.commit(), "applied " + applied + " beyond commit " + hs.commit());
        assertTrue(applied >= m.appliedDurable, "applied " + applied + " lost work made durable by a later sync (" + m.appliedDurable + ")");
        if (!powerLoss) {
            assertEquals(m.applied, applied, "a kill loses no written apply batch");
        } else if (applied < m.applied) {
            lostUnsyncedApplies++;
        }
        checkStateMatches(r, applied, expected);
    }

    /** The state equals "entries BOOT+1..applied applied exactly once". */
    private static void checkStateMatches(RaftStore r, long applied, TreeMap<Long, Entry> log) {
        var sm = r.stateMachine();
        if (applied == BOOT) {
            assertTrue(sm.get(b("counter")).isEmpty());
            return;
        }
        KeyValue counter = sm.get(b("counter")).orElseThrow();
        assertEquals(Long.toString(applied), counter.value().utf8(), "counter value vs applied index");
        assertEquals(applied - BOOT, counter.version(), "counter version: an entry was applied twice or skipped");
        assertEquals(applied, counter.modIndex());
        Result.RangeResult marks = sm.range(KeyRange.prefix(b("e/")), 100_000);
        assertEquals(applied - BOOT, marks.kvs().size());
        for (KeyValue kv : marks.kvs()) {
            long index = Long.parseLong(kv.key().utf8().substring(2));
            assertEquals(Long.toString(log.get(index).term()), kv.value().utf8(), "entry " + index + " applied from another term");
        }
    }

    /** What the server does after a restart: apply from the applied index to the commit index. */
    private static void replayAndVerify(RaftStore r) {
        long commit = r.log().hardState().commit();
        long applied = r.stateMachine().appliedIndex();
        if (commit > applied) {
            // Entries at or below the applied index may be handed out again; they must be skipped.
            long from = Math.max(r.log().firstIndex(), applied - 2);
            List<Entry> ents = r.log().entries(from, commit + 1, Long.MAX_VALUE);
            r.stateMachine().apply(ents, Map.of());
        }
        TreeMap<Long, Entry> all = new TreeMap<>();
        long first = Math.max(1, r.log().firstIndex());
        r.log().entries(first, r.log().lastIndex() + 1, Long.MAX_VALUE).forEach(e -> all.put(e.index(), e));
        assertEquals(commit, r.stateMachine().appliedIndex());
        // Entries below the compaction point are no longer in the log; check the counter and the tail only.
        KeyValue counter = r.stateMachine().get(b("counter")).orElse(null);
        if (commit > BOOT) {
            assertEquals(commit - BOOT, counter.version(), "applied twice after restart");
            assertEquals(Long.toString(commit), counter.value().utf8());
            for (Map.Entry<Long, Entry> e : all.headMap(commit, true).entrySet()) {
                assertEquals(Long.toString(e.getValue().term()),
                        r.stateMachine().get(b(String.format("e/%08d", e.getKey()))).orElseThrow().value().utf8());
            }
        }
    }
}
