package io.raftkv.storage;

import static io.raftkv.storage.Fixtures.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
    static final List<Request> SAMPLES = List.of(
            Request.of(new Command.Put(b("k"), b("v"))),
            Request.of(new Command.Put(Bytes.EMPTY, Bytes.copyOf(new byte[1000]))),
            Request.inSession(7, 3, new Command.Delete(b("gone"))),
            Request.of(new Command.DeleteRange(KeyRange.prefix(b("dir/")))),
            Request.of(new Command.DeleteRange(KeyRange.all())),
            Request.inSession(1L << 40, Long.MAX_VALUE, new Command.Txn(
                    List.of(new Compare.Version(b("a"), Compare.Cmp.EQUAL, 0), new Compare.Value(b("b"), Compare.Cmp.GREATER, b("x")),
                            new Compare.ModIndex(b("c"), Compare.Cmp.LESS, 99), new Compare.CreateIndex(b("d"), Compare.Cmp.NOT_EQUAL, -1)),
                    List.of(new Command.Put(b("a"), b("1")), new Command.Range(new KeyRange(b("a"), b("z")), 10)),
                    List.of(new Command.Delete(b("a")), new Command.DeleteRange(KeyRange.single(b("q")))))),
            Request.of(new Command.OpenSession(30_000, 1_700_000_000_000L)),
            Request.of(new Command.KeepAlive(42, -5)),
            Request.of(new Command.CloseSession(42)),
            Request.of(new Command.ExpireSessions(123)));

    @Test
    void everyCommandRoundTrips() {
        for (Request r : SAMPLES) {
            assertEquals(r, CommandCodec.decode(CommandCodec.encode(r)), r.toString());
        }
    }

    @Test
    void truncatedOrExtendedPayloadsAreMalformedNotFatal() {
        for (Request r : SAMPLES) {
            byte[] enc = CommandCodec.encode(r);
            for (int len = 0; len < enc.length; len++) {
                byte[] cut = Arrays.copyOf(enc, len);
                assertThrows(MalformedCommandException.class, () -> CommandCodec.decode(cut), r + " cut at " + len);
            }
            byte[] longer = Arrays.copyOf(enc, enc.length + 1);
            assertThrows(MalformedCommandException.class, () -> CommandCodec.decode(longer));
        }
    }

    @Test
    void randomGarbageIsMalformedOrFromANewerVersionNeverAnotherException() {
        Random rnd = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[rnd.nextInt(40) + 1];
            rnd.nextBytes(junk);
            junk[0] = CommandCodec.FORMAT;
            try {
                CommandCodec.decode(junk);
            } catch (MalformedCommandException expected) {
                // fine: rejected deterministically
            } catch (IllegalStateException newer) {
                // fine: an unknown tag or enumeration value halts, as one from a newer version must
                assertTrue(newer.getMessage().contains("a newer member wrote it"), newer.getMessage());
            }
        }
    }

    @Test
    void unknownTagsAndValuesHaltAsANewerVersionsNotMalformed() {
        byte[] put = CommandCodec.encode(SAMPLES.get(0));
        put[3] = 99; // format, session 0, sequence 0, then the command tag
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CommandCodec.decode(put));
        assertTrue(e.getMessage().contains("command tag 99") && e.getMessage().contains("upgrade this node"), e.getMessage());

        byte[] alarm = CommandCodec.encode(Request.of(new Command.SetAlarm(2, Alarm.Type.NOSPACE, true, "")));
        alarm[5] = 42; // the tag, member 2, then the alarm type
        e = assertThrows(IllegalStateException.class, () -> CommandCodec.decode(alarm));
        assertTrue(e.getMessage().contains("alarm type 42"), e.getMessage());
    }

    @Test
    void unknownFormatHaltsWithAClearMessage() {
        byte[] enc = CommandCodec.encode(SAMPLES.get(0));
        enc[0] = 9;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CommandCodec.decode(enc));
        assertTrue(e.getMessage().contains("format 9"), e.getMessage());
    }

    @Test
    void putIsCompact() {
        // format + session + seq + tag + 2 length bytes + payloads
        assertEquals(1 + 1 + 1 + 1 + 1 + 3 + 1 + 5, CommandCodec.encode(Request.of(new Command.Put(b("key"), b("value")))).length);
    }
}
