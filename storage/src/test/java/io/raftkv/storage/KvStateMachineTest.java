package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.entry;
import static io.raftkv.storage.Fixtures.only;
import static io.raftkv.storage.Fixtures.propose;
import static io.raftkv.storage.Fixtures.proposeRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvStateMachineTest {
    @TempDir
    Path dir;
    RaftStore store;

    @BeforeEach
    void open() {
        store = Fixtures.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    KvStateMachine sm() {
        return store.stateMachine();
    }

    /** The store is bootstrapped (snapshot at index 1), so the first entry is index 2. */
    @Test
    void putTracksVersionAndIndexes() {
        assertEquals(new Result.Written(2, 1), only(propose(store, 1, new Command.Put(b("k"), b("v1")))));
        assertEquals(new Result.Written(3, 2), only(propose(store, 1, new Command.Put(b("k"), b("v2")))));
        assertEquals(new KeyValue(b("k"), b("v2"), 2, 2, 3), sm().get(b("k")).orElseThrow());
        assertEquals(new Result.Deleted(1), only(propose(store, 1, new Command.Delete(b("k")))));
        assertEquals(new Result.Deleted(0), only(propose(store, 1, new Command.Delete(b("k")))));
        assertTrue(sm().get(b("k")).isEmpty());
        // Recreated keys start over at version 1 with a new create index.
        assertEquals(new Result.Written(6, 1), only(propose(store, 1, new Command.Put(b("k"), b("v3")))));
        assertEquals(new KeyValue(b("k"), b("v3"), 1, 6, 6), sm().get(b("k")).orElseThrow());
        assertEquals(6, sm().appliedIndex());
    }

    @Test
    void writesEarlierInABatchAreVisibleLaterInIt() {
        List<Applied> out = propose(store, 1, new Command.Put(b("k"), b("a")), new Command.Put(b("k"), b("b")),
                Command.Txn.putIfVersion(b("k"), 2, b("c")));
        assertEquals(new Result.Written(3, 2), out.get(1).result());
        assertEquals(new Result.TxnResult(true, List.of(new Result.Written(4, 3))), out.get(2).result());
        assertEquals(b("c"), sm().get(b("k")).orElseThrow().value());
    }

    @Test
    void compareAndSetOnVersionValueAndAbsence() {
        Result created = only(propose(store, 1, Command.Txn.putIfVersion(b("lock"), 0, b("me"))));
        assertEquals(new Result.TxnResult(true, List.of(new Result.Written(2, 1))), created);
        Result again = only(propose(store, 1, Command.Txn.putIfVersion(b("lock"), 0, b("you"))));
        assertEquals(new Result.TxnResult(false, List.of()), again);
        assertEquals(b("me"), sm().get(b("lock")).orElseThrow().value());

        assertTrue(((Result.TxnResult) only(propose(store, 1, Command.Txn.putIfValue(b("lock"), b("me"), b("me2"))))).succeeded());
        assertFalse(((Result.TxnResult) only(propose(store, 1, Command.Txn.putIfValue(b("lock"), b("me"), b("x"))))).succeeded());
        // A value compare on a missing key is false, whatever the operator.
        assertFalse(((Result.TxnResult) only(propose(store, 1, new Command.Txn(
                List.of(new Compare.Value(b("nope"), Compare.Cmp.NOT_EQUAL, b("x"))), List.of(), List.of())))).succeeded());
    }

    @Test
    void txnRunsFailureBranchWithReadsThatSeeItsWrites() {
        propose(store, 1, new Command.Put(b("a"), b("1"))); // index 2: modIndex 2, not > 5
        Command.Txn t = new Command.Txn(
                List.of(new Compare.ModIndex(b("a"), Compare.Cmp.GREATER, 5), Compare.exists(b("a"))),
                List.of(new Command.Delete(b("a"))),
                List.of(new Command.Put(b("b"), b("2")), new Command.Range(KeyRange.all(), 10), new Command.DeleteRange(KeyRange.all()),
                        new Command.Range(KeyRange.all(), 10)));
        Result.TxnResult r = (Result.TxnResult) only(propose(store, 1, t));
        assertFalse(r.succeeded());
        assertEquals(new Result.Written(3, 1), r.results().get(0));
        Result.RangeResult seen = (Result.RangeResult) r.results().get(1);
        assertEquals(List.of(b("a"), b("b")), seen.kvs().stream().map(KeyValue::key).toList());
        assertEquals(new Result.Deleted(2), r.results().get(2));
        assertEquals(new Result.RangeResult(List.of(), false), r.results().get(3));
        assertTrue(sm().range(KeyRange.all(), 10).kvs().isEmpty());
    }

    @Test
    void rangeByPrefixWithLimitAndPaging() {
        List<Command> puts = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            puts.add(new Command.Put(b(String.format("dir/%02d", i)), b("v" + i)));
        }
        puts.add(new Command.Put(b("dir0"), b("outside")));
        puts.add(new Command.Put(b("dia"), b("outside")));
        propose(store, 1, puts.toArray(new Command[0]));
        List<Bytes> seen = new ArrayList<>();
        KeyRange r = KeyRange.prefix(b("dir/"));
        int pages = 0;
        while (true) {
            Result.RangeResult page = sm().range(r, 10);
            pages++;
            page.kvs().forEach(kv -> seen.add(kv.key()));
            if (!page.more()) {
                break;
            }
            r = r.after(page.kvs().get(page.kvs().size() - 1).key());
        }
        assertEquals(3, pages);
        assertEquals(25, seen.size());
        assertEquals(b("dir/00"), seen.get(0));
        assertEquals(b("dir/24"), seen.get(24));
        assertEquals(25, sm().range(KeyRange.prefix(b("dir/")), 25).kvs().size());
        assertFalse(sm().range(KeyRange.prefix(b("dir/")), 25).more());
    }

    @Test
    void sessionsGiveExactlyOnceAnswers() {
        long sid = ((Result.SessionOpened) only(propose(store, 1, new Command.OpenSession(10_000, 1_000)))).sessionId();
        assertEquals(2, sid, "a session's id is the index of its OpenSession (the first entry after the bootstrap snapshot)");
        Request put = Request.inSession(sid, 1, new Command.Put(b("k"), b("v")));
        Result first = only(proposeRequests(store, 1, List.of(put)));
        assertEquals(new Result.Written(3, 1), first);
        // The retry is answered from the session, not run again: the version stays 1.
        assertEquals(first, only(proposeRequests(store, 1, List.of(put))));
        assertEquals(1, sm().get(b("k")).orElseThrow().version());
        assertEquals(new Result.Written(5, 2), only(proposeRequests(store, 1, List.of(Request.inSession(sid, 5, new Command.Put(b("k"), b("w")))))));
        Result stale = only(proposeRequests(store, 1, List.of(Request.inSession(sid, 1, new Command.Put(b("k"), b("x"))))));
        assertEquals(Result.Reason.STALE_SEQUENCE, ((Result.Rejected) stale).reason());
        Result unknown = only(proposeRequests(store, 1, List.of(Request.inSession(99, 1, new Command.Put(b("k"), b("x"))))));
        assertEquals(Result.Reason.UNKNOWN_SESSION, ((Result.Rejected) unknown).reason());
        assertEquals(2, sm().get(b("k")).orElseThrow().version());
    }

    @Test
    void sessionsExpireByTheLogClockOnly() {
        long a = ((Result.SessionOpened) only(propose(store, 1, new Command.OpenSession(1_000, 10_000)))).sessionId();
        long b2 = ((Result.SessionOpened) only(propose(store, 1, new Command.OpenSession(5_000, 10_000)))).sessionId();
        assertEquals(new Result.Done(), only(propose(store, 1, new Command.KeepAlive(a, 10_500))));
        // A leader with a clock behind cannot move the log clock back.
        assertEquals(new Result.SessionsExpired(List.of()), only(propose(store, 1, new Command.ExpireSessions(3))));
        assertEquals(10_500, sm().applied().logClockMillis());
        assertEquals(new Result.SessionsExpired(List.of(a)), only(propose(store, 1, new Command.ExpireSessions(11_501))));
        assertTrue(sm().session(a).isEmpty());
        assertTrue(sm().session(b2).isPresent());
        assertEquals(Result.Reason.UNKNOWN_SESSION, ((Result.Rejected) only(propose(store, 1, new Command.KeepAlive(a, 11_600)))).reason());
        assertEquals(new Result.Done(), only(propose(store, 1, new Command.CloseSession(b2))));
        assertTrue(sm().session(b2).isEmpty());
    }

    @Test
    void sessionStateSurvivesRestart() {
        long sid = ((Result.SessionOpened) only(propose(store, 1, new Command.OpenSession(10_000, 1)))).sessionId();
        Request put = Request.inSession(sid, 1, new Command.Put(b("k"), b("v")));
        Result first = only(proposeRequests(store, 1, List.of(put)));
        store.close();
        store = Fixtures.open(dir);
        assertEquals(first, only(proposeRequests(store, 1, List.of(put))));
        assertEquals(new KvStateMachine.SessionInfo(sid, 1, 10_000, 1), sm().session(sid).orElseThrow());
    }

    @Test
    void noOpsConfChangesAndMalformedPayloads() {
        ConfState next = ConfState.of(List.of(1L, 2L, 3L, 4L));
        List<Entry> ents = List.of(
                Entry.normal(2, 2, null),
                new Entry(2, 3, EntryType.CONF_CHANGE, ConfChange.addNode(4).encode()),
                Entry.normal(2, 4, new byte[] {CommandCodec.FORMAT, 0, 0, 1})); // a put without its key
        Fixtures.commit(store, 2, ents);
        assertThrows(IllegalArgumentException.class, () -> sm().apply(ents, Map.of()));
        // Nothing of the refused batch was applied: still the bootstrap state.
        assertEquals(new KvStateMachine.AppliedState(1, 1, Fixtures.VOTERS, 0), sm().applied());
        List<Applied> out = sm().apply(ents, Map.of(3L, next));
        assertEquals(new Result.NoOp(), out.get(0).result());
        assertEquals(new Result.ConfChanged(next), out.get(1).result());
        assertEquals(Result.Reason.MALFORMED_COMMAND, ((Result.Rejected) out.get(2).result()).reason());
        assertEquals(new KvStateMachine.AppliedState(4, 2, next, 0), sm().applied());
        store.close();
        store = Fixtures.open(dir);
        assertEquals(new KvStateMachine.AppliedState(4, 2, next, 0), sm().applied());
        assertEquals(next, store.log().initialState().confState());
    }

    @Test
    void aCommandOfANewerVersionHaltsInsteadOfDiverging() {
        // Tag 77 is no command this version knows: a newer member proposed it. Rejecting it here (as the old code
        // did, as malformed) while newer peers apply it would make this replica's state silently diverge.
        List<Entry> ents = List.of(Entry.normal(2, 2, CommandCodec.encode(Request.of(new Command.Put(b("a"), b("1"))))),
                Entry.normal(2, 3, new byte[] {CommandCodec.FORMAT, 0, 0, 77}));
        Fixtures.commit(store, 2, ents);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sm().apply(ents, Map.of()));
        assertTrue(e.getMessage().contains("command tag 77") && e.getMessage().contains("upgrade this node"), e.getMessage());
        assertEquals(new KvStateMachine.AppliedState(1, 1, Fixtures.VOTERS, 0), sm().applied(),
                "nothing of the batch applied: the upgraded node applies it from the log");
    }

    @Test
    void memberRecordsFollowWhatTheConfChangesDid() {
        byte[] ctx = "peer=10.0.0.4:7000".getBytes();
        ConfState withLearner = ConfState.of(List.of(1L, 2L, 3L), List.of(4L));
        ConfState promoted = ConfState.of(List.of(1L, 2L, 3L, 4L));
        ConfState without2 = ConfState.of(List.of(1L, 3L, 4L));
        List<Entry> ents = List.of(
                new Entry(2, 2, EntryType.CONF_CHANGE, ConfChange.addLearner(4, ctx).encode()),
                new Entry(2, 3, EntryType.CONF_CHANGE, ConfChange.addNode(4).encode()),
                new Entry(2, 4, EntryType.CONF_CHANGE, ConfChange.removeNode(2).encode()),
                // The core refused this one (the configuration did not change): no record may appear.
                new Entry(2, 5, EntryType.CONF_CHANGE, ConfChange.addLearner(9, ctx).encode()));
        Fixtures.commit(store, 2, ents);
        sm().apply(ents, Map.of(2L, withLearner, 3L, promoted, 4L, without2, 5L, without2));
        List<MemberRecord> expected = List.of(new MemberRecord(2, true, null), new MemberRecord(4, false, ctx));
        assertEquals(expected, sm().members());
        store.close();
        store = Fixtures.open(dir);
        assertEquals(expected, sm().members());
        assertEquals(without2, sm().applied().confState());
    }

    @Test
    void alreadyAppliedEntriesAreSkippedAndGapsRefused() {
        List<Entry> ents = List.of(entry(1, 2, new Command.Put(b("k"), b("1"))), entry(1, 3, new Command.Put(b("k"), b("2"))));
        Fixtures.commit(store, 1, ents);
        assertEquals(2, sm().apply(ents, Map.of()).size());
        assertEquals(List.of(), sm().apply(ents, Map.of()));
        assertEquals(2, sm().get(b("k")).orElseThrow().version());
        Entry far = entry(1, 5, new Command.Put(b("k"), b("5")));
        assertThrows(IllegalStateException.class, () -> sm().apply(List.of(far), Map.of()));
    }

    @Test
    void unknownCommandFormatHaltsApplyAndWritesNothing() {
        byte[] future = CommandCodec.encode(Request.of(new Command.Put(b("k"), b("v"))));
        future[0] = CommandCodec.FORMAT_AUTH + 1;
        List<Entry> ents = List.of(entry(1, 2, new Command.Put(b("a"), b("1"))), Entry.normal(1, 3, future));
        Fixtures.commit(store, 1, ents);
        assertThrows(IllegalStateException.class, () -> sm().apply(ents, Map.of()));
        assertEquals(1, sm().appliedIndex(), "still at the bootstrap snapshot");
        assertTrue(sm().get(b("a")).isEmpty());
    }

    @Test
    void resultsAreValues() {
        Result r = only(propose(store, 1, new Command.Put(b("k"), b("v"))));
        assertInstanceOf(Result.Written.class, r);
    }

    /**
     * Issue 12 defect 6: a voter removed through a joint configuration is still an outgoing voter after the
     * change that names it and leaves with the leave-joint change, which names nobody: it got no
     * tombstone, so its id escaped the never-reuse rule.
     */
    @Test
    void aMemberRemovedThroughAJointConfigurationGetsATombstone() {
        long next = store.log().lastIndex() + 1;
        ConfChange enter = new ConfChange(ConfChange.Transition.JOINT_EXPLICIT, List.of(
                new ConfChange.Single(ConfChange.Type.ADD_NODE, 4), new ConfChange.Single(ConfChange.Type.REMOVE_NODE, 3)),
                b("ctx-4").array());
        ConfState joint = new ConfState(new java.util.TreeSet<>(List.of(1L, 2L, 4L)), new java.util.TreeSet<>(),
                new java.util.TreeSet<>(List.of(1L, 2L, 3L)), new java.util.TreeSet<>(), false);
        ConfState after = ConfState.of(List.of(1L, 2L, 4L), List.of());
        List<Entry> ents = List.of(new Entry(1, next, EntryType.CONF_CHANGE, enter.encode()),
                new Entry(1, next + 1, EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode()));
        Fixtures.commit(store, 1, ents);
        sm().apply(ents, Map.of(next, joint, next + 1, after));
        assertEquals(List.of(new MemberRecord(3, true, null), new MemberRecord(4, false, b("ctx-4").array())), sm().members());
    }
}
