package io.raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The kv column family's record: what goes in comes out, and a put's value is copied once to make it. */
class KvRecordTest {
    @Test
    void roundTripsAcrossVarLongWidths() {
        long[] numbers = {0, 1, 127, 128, 16_383, 16_384, 1L << 35, Long.MAX_VALUE};
        for (long version : numbers) {
            for (long index : numbers) {
                Bytes value = Bytes.wrap(new byte[(int) (index % 300)]);
                KeyValue kv = KvRecord.decodeKv(Bytes.wrap(new byte[] {'k'}),
                        KvRecord.encodeKv(version, index, index, value), "/d");
                assertEquals(version, kv.version());
                assertEquals(index, kv.createIndex());
                assertEquals(index, kv.modIndex());
                assertEquals(value, kv.value());
            }
        }
    }

    @Test
    void encodingAPutAllocatesItsValueOnce() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Bytes value = Bytes.wrap(new byte[64 << 10]);
        KvRecord.encodeKv(3, 1_000, 2_000, value); // loads and links everything first
        long before = threads.getCurrentThreadAllocatedBytes();
        byte[] record = KvRecord.encodeKv(3, 1_000, 2_000, value);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // A writer sized by estimate wrote into one buffer and then copied it to the record's length: twice.
        assertTrue(allocated < record.length + (4 << 10), "encoding a 64 KiB value allocated " + allocated + " bytes");
    }
}
