package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CellTest {
    @Test
    void theDefaultMatrixExpandsPutIntoTheClientSweep() {
        List<Cell> cells = Cell.parse("put,get-lin,get-ser,ycsb-a", List.of(1, 16, 64, 256), 64);
        assertEquals(List.of("put@1", "put@16", "put@64", "put@256", "get-lin@64", "get-ser@64", "ycsb-a@64"),
                cells.stream().map(Cell::name).toList());
    }

    @Test
    void explicitClientCountsWinAndDuplicatesGo() {
        List<Cell> cells = Cell.parse(" put@4 , GET-LIN , put@4,ycsb-a@8", List.of(1), 3);
        assertEquals(List.of("put@4", "get-lin@3", "ycsb-a@8"), cells.stream().map(Cell::name).toList());
    }

    @Test
    void badSpecsAreRefusedWithTheReason() {
        assertEquals("unknown workload 'scan' (expected put, get-lin, get-ser or ycsb-a)",
                assertThrows(IllegalArgumentException.class, () -> Cell.parse("scan", List.of(1), 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cell.parse("put@x", List.of(1), 1));
        assertThrows(IllegalArgumentException.class, () -> Cell.parse("warmup", List.of(1), 1), "internal workload");
        assertThrows(IllegalArgumentException.class, () -> Cell.parse("put@0", List.of(1), 1));
        assertThrows(IllegalArgumentException.class, () -> Cell.parse(" , ", List.of(1), 1));
    }
}
