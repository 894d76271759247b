package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyncPlacementTest {
    private final SyncPlacement placement = new SyncPlacement(50, 1_000);

    @Test
    void aFastDiskIsSyncedOnTheRaftThread() {
        assertTrue(placement.onRaftThread(0));
        placement.synced(50, 10);
        placement.synced(0, 20);
        assertTrue(placement.onRaftThread(30), "syncs at the limit are not slow");
    }

    @Test
    void aSlowSyncMovesSyncsToTheLogWriterUntilTheDiskHasBeenFastForTheCoolDown() {
        placement.synced(51, 100);
        assertFalse(placement.onRaftThread(100));
        assertFalse(placement.onRaftThread(1_099));
        placement.synced(200, 900);
        assertFalse(placement.onRaftThread(1_100), "a slow sync on the log writer restarts the cool-down");
        placement.synced(10, 1_500);
        assertTrue(placement.onRaftThread(1_900));
    }

    @Test
    void clockValuesMayBeNegative() {
        placement.synced(60, Long.MIN_VALUE + 5);
        assertFalse(placement.onRaftThread(Long.MIN_VALUE + 6));
        assertTrue(placement.onRaftThread(Long.MIN_VALUE + 1_005));
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SyncPlacement(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SyncPlacement(1, 0));
    }
}
