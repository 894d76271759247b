package io.raftkv.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.raftkv.proto.AuthGrpc;
import io.raftkv.proto.AuthenticateRequest;
import io.raftkv.proto.AuthenticateResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The client's auth token: fetched lazily by the first call that needs one (one {@code Authenticate} at a time,
 * shared by every call waiting for it), attached to each attempt as {@code authorization: Bearer <token>}, and
 * dropped when a node calls it stale (expired, or older than the latest change of users and roles), so the next
 * attempt fetches a new one. Any member verifies any member's token, so leader changes do not matter.
 */
final class TokenSource {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ClientCore core;
    private final Credentials credentials;
    /** The token in use or being fetched; null: none yet, or the last one was dropped. */
    private CompletableFuture<String> current;

    TokenSource(ClientCore core, Credentials credentials) {
        this.core = core;
        this.credentials = credentials;
    }

    /** The token to send (empty: the cluster has auth disabled, send none). */
    synchronized CompletableFuture<String> token() {
        CompletableFuture<String> f = current;
        if (f == null || (f.isDone() && f.isCompletedExceptionally())) {
            f = fetch();
            current = f;
        }
        return f;
    }

    /** Drops {@code token} if it is still the current one (a node said it is stale). */
    synchronized void stale(String token) {
        CompletableFuture<String> f = current;
        if (f != null && f.isDone() && !f.isCompletedExceptionally() && token.equals(f.getNow(null))) {
            current = null;
        }
    }

    private CompletableFuture<String> fetch() {
        AuthenticateRequest req = AuthenticateRequest.newBuilder().setName(credentials.user())
                .setPassword(credentials.password()).build();
        return core.call(new Call.Spec<>("authenticate as " + credentials.user(), AuthGrpc.getAuthenticateMethod(), req,
                Call.Route.PREFER_LEADER, Call.Safety.IDEMPOTENT, 0)).thenApply(AuthenticateResponse::getToken);
    }

    static boolean isAuthenticate(Call.Spec<?, ?> spec) {
        return spec.method() == AuthGrpc.getAuthenticateMethod();
    }

    /** Adds the token to a call's metadata. */
    static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(AUTHORIZATION, "Bearer " + token);
                applier.apply(m);
            }
        };
    }
}
