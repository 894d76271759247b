package io.raftkv.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.raftkv.proto.BatchOp;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real channel that can lose one response: the request reaches the server and is applied, but the client
 * sees the connection fail instead of the answer, as when a connection drops after the request was sent.
 * Records every request sent. On the batch stream (KV.Batch) a request is one op: its answer is lost by
 * failing the whole stream when the message carrying it arrives, as a dropped connection would.
 */
final class LostResponseChannel extends ManagedChannel {
    /** Decides, per request, whether to lose its response; {@code beforeFailing} runs first (e.g. a leader change). */
    static final class Fault {
        volatile Predicate<Object> loseResponseOf = r -> false;
        volatile Runnable beforeFailing = () -> { };
        final List<Object> sent = new CopyOnWriteArrayList<>();
    }

    private final ManagedChannel delegate;
    private final Channel intercepted;

    LostResponseChannel(ManagedChannel delegate, Fault fault) {
        this.delegate = delegate;
        this.intercepted = ClientInterceptors.intercept(delegate, new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<Q, A>(next.newCall(method, options)) {
                    private volatile boolean lose;
                    /** Batch stream: ids of ops whose answer is to be lost. */
                    private final java.util.Set<Long> loseIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(listener) {
                            @Override
                            public void onMessage(A message) {
                                if (message instanceof BatchResponse b && b.getResultsList().stream()
                                        .anyMatch(r -> loseIds.contains(r.getId()))) {
                                    lose = true;
                                    cancel("injected: connection lost after the request was sent", null);
                                    return;
                                }
                                if (!lose) {
                                    super.onMessage(message);
                                }
                            }

                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                if (lose && (status.isOk() || !loseIds.isEmpty())) {
                                    fault.beforeFailing.run();
                                    super.onClose(Status.UNAVAILABLE.withDescription(
                                            "injected: connection lost after the request was sent"), new Metadata());
                                } else {
                                    super.onClose(status, trailers);
                                }
                            }
                        }, headers);
                    }

                    @Override
                    public void sendMessage(Q message) {
                        if (message instanceof BatchRequest b) {
                            for (BatchOp op : b.getOpsList()) {
                                Object r = switch (op.getRequestCase()) {
                                    case PUT -> op.getPut();
                                    case GET -> op.getGet();
                                    case DELETE -> op.getDelete();
                                    case COMPARE_AND_SET -> op.getCompareAndSet();
                                    default -> op.getTxn();
                                };
                                fault.sent.add(r);
                                if (fault.loseResponseOf.test(r)) {
                                    fault.loseResponseOf = x -> false; // one response only
                                    loseIds.add(op.getId());
                                }
                            }
                            super.sendMessage(message);
                            return;
                        }
                        fault.sent.add(message);
                        lose = fault.loseResponseOf.test(message);
                        if (lose) {
                            fault.loseResponseOf = r -> false; // one response only
                        }
                        super.sendMessage(message);
                    }
                };
            }
        });
    }

    @Override
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        return intercepted.newCall(method, options);
    }

    @Override
    public String authority() {
        return delegate.authority();
    }

    @Override
    public ManagedChannel shutdown() {
        delegate.shutdown();
        return this;
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
        delegate.shutdownNow();
        return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }

    @Override
    public void enterIdle() {
        delegate.enterIdle();
    }
}
