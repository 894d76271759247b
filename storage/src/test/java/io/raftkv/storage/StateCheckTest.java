package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static io.raftkv.storage.Fixtures.propose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage half of the corruption check (issue 12, defect 5): hash points and alarms. */
class StateCheckTest {
    @TempDir
    Path dir;

    /**
     * A hash point cuts its apply batch: the hash is of the state right after it, whatever else came in
     * the same hand-off, so replicas that batch differently still agree.
     */
    @Test
    void replicasAgreeOnTheHashAtAHashPointHoweverTheyBatch() {
        try (RaftStore a = Fixtures.open(dir.resolve("a")); RaftStore c = Fixtures.open(dir.resolve("c"))) {
            List<Applied> one = propose(a, 1, new Command.Put(b("k"), b("1")), new Command.HashState(),
                    new Command.Put(b("k"), b("2")));
            propose(c, 1, new Command.Put(b("k"), b("1")));
            propose(c, 1, new Command.HashState());
            propose(c, 1, new Command.Put(b("k"), b("2")));
            assertEquals(new Result.HashPoint(3), one.get(1).result());
            byte[] ha = a.stateMachine().stateHash(3).orElseThrow();
            assertArrayEquals(ha, c.stateMachine().stateHash(3).orElseThrow());
            assertTrue(a.stateMachine().stateHash(3).isEmpty(), "each point is hashed once");
            assertEquals(4, a.stateMachine().appliedIndex());
        }
    }

    @Test
    void aDifferentStateHashesDifferently() {
        try (RaftStore a = Fixtures.open(dir.resolve("a")); RaftStore c = Fixtures.open(dir.resolve("c"))) {
            propose(a, 1, new Command.Put(b("k"), b("1")), new Command.HashState());
            propose(c, 1, new Command.Put(b("k"), b("X")), new Command.HashState());
            assertFalse(java.util.Arrays.equals(a.stateMachine().stateHash(3).orElseThrow(),
                    c.stateMachine().stateHash(3).orElseThrow()));
        }
    }

    @Test
    void alarmsAreReplicatedStateThatSurvivesARestart() {
        try (RaftStore a = Fixtures.open(dir.resolve("a"))) {
            propose(a, 1, new Command.SetAlarm(2, Alarm.Type.CORRUPT, true, "hash differs at 7"),
                    new Command.SetAlarm(0, Alarm.Type.NOSPACE, true, "quota"));
            assertEquals(List.of(new Alarm(0, Alarm.Type.NOSPACE, "quota"), new Alarm(2, Alarm.Type.CORRUPT, "hash differs at 7")),
                    a.stateMachine().alarms());
            propose(a, 1, new Command.SetAlarm(0, Alarm.Type.NOSPACE, false, ""));
        }
        try (RaftStore a = Fixtures.open(dir.resolve("a"))) {
            assertEquals(List.of(new Alarm(2, Alarm.Type.CORRUPT, "hash differs at 7")), a.stateMachine().alarms());
        }
    }

    @Test
    void setAlarmRoundTripsThroughTheCodec() {
        Command.SetAlarm c = new Command.SetAlarm(3, Alarm.Type.CORRUPT, true, "détail");
        assertEquals(c, CommandCodec.decode(CommandCodec.encode(Request.of(c))).command());
        assertEquals(new Command.HashState(), CommandCodec.decode(CommandCodec.encode(Request.of(new Command.HashState()))).command());
    }
}
