package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryTest {
    @Test
    void recordsInvocationAndCompletionOnOneClock() {
        AtomicLong clock = new AtomicLong(100);
        History h = new History(clock::get);
        int p = h.newProcess();
        History.Pending a = h.invoke(p, 1, new Call.Write("k", "v1"));
        clock.set(150);
        History.Pending b = h.invoke(h.newProcess(), 2, new Call.Read("k"));
        clock.set(200);
        h.complete(b, Outcome.OK, new Reply.Value("v1"), "");
        clock.set(300);
        h.complete(a, Outcome.OK, Reply.DONE, "");
        List<Op> ops = h.operations();
        assertEquals(2, ops.size());
        assertEquals(0, ops.get(0).id());
        assertEquals(100, ops.get(0).invokeNanos());
        assertEquals(300, ops.get(0).completeNanos());
        assertEquals(150, ops.get(1).invokeNanos());
        assertEquals(200, ops.get(1).completeNanos());
        assertNotEquals(ops.get(0).process(), ops.get(1).process());
        assertThrows(IllegalStateException.class, () -> h.complete(a, Outcome.OK, Reply.DONE, ""));
    }

    @Test
    void operationsStillOpenAtTheEndAreIndeterminate() {
        AtomicLong clock = new AtomicLong(0);
        History h = new History(clock::get);
        h.invoke(0, 1, new Call.Write("k", "v"));
        clock.set(50);
        Op op = h.operations().get(0);
        assertEquals(Outcome.INFO, op.outcome());
        assertEquals(50, op.completeNanos());
    }

    @Test
    void anOkOperationNeedsAReply() {
        assertThrows(IllegalArgumentException.class,
                () -> new Op(0, 0, 1, new Call.Read("k"), Outcome.OK, null, 0, 1, ""));
    }
}
