package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.proto.ErrorDetail;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A password-guessing flood is shed with OVERLOADED naming the limit, never queued without bound or run inline. */
class AuthenticatorTest {
    @Test
    void beyondTheRunningAndPendingChecksNewOnesAreShed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Authenticator a = new Authenticator(1)) {
            List<CompletableFuture<String>> admitted = new ArrayList<>();
            String caller = Thread.currentThread().getName();
            for (int i = 0; i < Authenticator.THREADS + Authenticator.MAX_PENDING; i++) {
                admitted.add(a.submit(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Thread.currentThread().getName();
                }));
            }
            CompletableFuture<String> shed = a.submit(() -> "never");
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, shed::get);
            NodeException ne = (NodeException) e.getCause();
            assertEquals(ErrorDetail.Code.OVERLOADED, ne.detail.getCode());
            assertTrue(ne.getMessage().contains("more than " + Authenticator.MAX_PENDING
                    + " password checks pending (auth-max-pending)"), ne.getMessage());
            release.countDown();
            for (CompletableFuture<String> f : admitted) {
                assertTrue(f.get().startsWith("raftkv-auth-1-"), "ran on the auth pool, not on " + caller);
            }
        }
    }
}
