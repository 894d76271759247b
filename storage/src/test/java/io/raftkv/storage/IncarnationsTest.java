package io.raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncarnationsTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryKeepsItsIncarnationAndRemembersPeersAcrossRestarts() throws Exception {
        long self;
        try (RaftStore s = Fixtures.open(dir.resolve("a"))) {
            self = s.incarnations().self();
            assertNotEquals(0, self);
            assertEquals(Incarnations.Verdict.FIRST_SEEN, s.incarnations().check(2, 77));
            assertEquals(Incarnations.Verdict.KNOWN, s.incarnations().check(2, 77));
            assertEquals(Incarnations.Verdict.CHANGED, s.incarnations().check(2, 78));
            assertEquals(Incarnations.Verdict.KNOWN, s.incarnations().check(3, 0), "0: a peer too old to send one");
        }
        try (RaftStore s = Fixtures.open(dir.resolve("a"))) {
            assertEquals(self, s.incarnations().self());
            assertEquals(Incarnations.Verdict.CHANGED, s.incarnations().check(2, 78), "remembered durably");
            assertEquals(77, s.incarnations().of(2));
        }
    }

    @Test
    void aRecreatedDirectoryGetsANewIncarnation() throws Exception {
        long first;
        try (RaftStore s = Fixtures.open(dir.resolve("a"))) {
            first = s.incarnations().self();
        }
        RaftStore.deleteNewStore(dir.resolve("a"));
        assertTrue(RaftStore.isEmpty(dir.resolve("a")));
        try (RaftStore s = Fixtures.open(dir.resolve("a"))) {
            assertNotEquals(first, s.incarnations().self());
        }
    }
}
