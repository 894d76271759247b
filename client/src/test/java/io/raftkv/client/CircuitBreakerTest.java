package io.raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final FakeTime time = new FakeTime();
    private final AtomicInteger opened = new AtomicInteger();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(2).toNanos(), time, opened::incrementAndGet);

    @Test
    void opensAfterConsecutiveFailuresOnly() {
        breaker.onFailure();
        breaker.onFailure();
        breaker.onSuccess(); // resets the count: failures must be consecutive
        breaker.onFailure();
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.tryAcquire());
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(1, opened.get());
        assertFalse(breaker.tryAcquire(), "open: requests are refused locally");
    }

    @Test
    void halfOpenAdmitsOneProbeAfterTheOpenDuration() {
        open();
        time.advance(Duration.ofMillis(1999));
        assertFalse(breaker.tryAcquire());
        time.advance(Duration.ofMillis(1));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        assertTrue(breaker.tryAcquire(), "the probe");
        assertFalse(breaker.tryAcquire(), "only one probe at a time");
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.tryAcquire());
        assertTrue(breaker.tryAcquire());
    }

    @Test
    void failedProbeReopensForAnotherPeriod() {
        open();
        time.advance(Duration.ofSeconds(2));
        assertTrue(breaker.tryAcquire());
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertEquals(2, opened.get());
        time.advance(Duration.ofMillis(1500));
        assertFalse(breaker.tryAcquire(), "the new period runs from the failed probe");
        time.advance(Duration.ofMillis(500));
        assertTrue(breaker.tryAcquire());
    }

    @Test
    void neutralProbeOutcomeFreesTheProbeSlot() {
        open();
        time.advance(Duration.ofSeconds(2));
        assertTrue(breaker.tryAcquire());
        breaker.onNeutral();
        assertTrue(breaker.tryAcquire(), "a cancelled probe does not block the next one");
    }

    @Test
    void lateFailureOfARequestAdmittedBeforeOpeningDoesNotExtendThePeriod() {
        open();
        time.advance(Duration.ofMillis(1000));
        breaker.onFailure();
        time.advance(Duration.ofMillis(1000));
        assertTrue(breaker.tryAcquire());
    }

    private void open() {
        for (int i = 0; i < 3; i++) {
            breaker.onFailure();
        }
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    }
}
