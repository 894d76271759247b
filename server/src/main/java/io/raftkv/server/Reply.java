package io.raftkv.server;

import io.raftkv.storage.Applied;
import java.util.concurrent.CompletableFuture;

/**
 * One client answer for the responder stage. Completing a future runs the gRPC handler's continuation
 * (building the response, a read's RocksDB lookup, handing it to Netty): work that must not run on the
 * raft or apply thread, where it took two thirds of the apply thread's time.
 */
sealed interface Reply {
    void complete();

    record Written(CompletableFuture<Applied> future, Applied applied) implements Reply {
        @Override
        public void complete() {
            future.complete(applied);
        }
    }

    record ReadReady(CompletableFuture<Long> future, long appliedIndex) implements Reply {
        @Override
        public void complete() {
            future.complete(appliedIndex);
        }
    }

    record Transferred(CompletableFuture<Long> future, long target) implements Reply {
        @Override
        public void complete() {
            future.complete(target);
        }
    }

    record Failed(CompletableFuture<?> future, NodeException error) implements Reply {
        @Override
        public void complete() {
            future.completeExceptionally(error);
        }
    }
}
