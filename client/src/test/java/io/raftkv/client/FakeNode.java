package io.raftkv.client;

import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.BatchError;
import io.raftkv.proto.BatchOp;
import io.raftkv.proto.BatchRequest;
import io.raftkv.proto.BatchResponse;
import io.raftkv.proto.BatchResult;
import io.raftkv.proto.CheckStateRequest;
import io.raftkv.proto.CheckStateResponse;
import io.raftkv.proto.ClusterGrpc;
import io.raftkv.proto.CompareAndSetRequest;
import io.raftkv.proto.CompareAndSetResponse;
import io.raftkv.proto.DeleteRequest;
import io.raftkv.proto.DeleteResponse;
import io.raftkv.proto.DisarmAlarmRequest;
import io.raftkv.proto.DisarmAlarmResponse;
import io.raftkv.proto.ErrorDetail;
import io.raftkv.proto.GetRequest;
import io.raftkv.proto.GetResponse;
import io.raftkv.proto.KVGrpc;
import io.raftkv.proto.KeepAliveRequest;
import io.raftkv.proto.KeepAliveResponse;
import io.raftkv.proto.OpenSessionRequest;
import io.raftkv.proto.OpenSessionResponse;
import io.raftkv.proto.PutRequest;
import io.raftkv.proto.PutResponse;
import io.raftkv.proto.ScanRequest;
import io.raftkv.proto.ScanResponse;
import io.raftkv.proto.StatusRequest;
import io.raftkv.proto.StatusResponse;
import io.raftkv.proto.TxnRequest;
import io.raftkv.proto.TxnResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted node on an in-process transport: every request is recorded (with the deadline the server saw)
 * and answered by {@link #behaviour}, which returns a response or throws a status with the raftkv trailer.
 */
final class FakeNode implements AutoCloseable {
    /** Answers one request: return the response, throw {@link StatusRuntimeException}, or return null to never answer. */
    interface Behaviour {
        Message answer(String method, Message request);
    }

    /** One request as the server saw it. */
    record Received(String method, Message request, Long deadlineNanos) {
    }

    /** Thrown by a behaviour on the batch stream: the whole stream fails with it (a dropped connection). */
    static final StatusRuntimeException BREAK_STREAM = Status.UNAVAILABLE.withDescription("injected: the stream broke")
            .asRuntimeException();

    final String address;
    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile Behaviour behaviour;
    /** Whether this node serves KV.Batch (ops answered by {@link #behaviour}); off, it answers UNIMPLEMENTED like an older node. */
    volatile boolean serveBatch;
    /** Batch streams opened. */
    final java.util.concurrent.atomic.AtomicInteger streams = new java.util.concurrent.atomic.AtomicInteger();
    private final Server server;

    /** On the in-process transport, named {@code address}. */
    FakeNode(String address, Behaviour behaviour) {
        this.behaviour = behaviour;
        this.server = start(InProcessServerBuilder.forName(address).directExecutor());
        this.address = address;
    }

    /** On real TCP (Netty) on a free loopback port. */
    FakeNode(Behaviour behaviour) {
        this.behaviour = behaviour;
        this.server = start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
        this.address = "127.0.0.1:" + server.getPort();
    }

    private Server start(ServerBuilder<?> b) {
        try {
            return b.addService(new Kv()).addService(new Cluster()).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StatusRuntimeException error(Status status, ErrorDetail detail) {
        Metadata trailers = new Metadata();
        trailers.put(CallFailure.DETAIL_KEY, detail);
        return status.withDescription(detail.getCode().name()).asRuntimeException(trailers);
    }

    static StatusRuntimeException notLeader(String leaderAddress) {
        return error(Status.FAILED_PRECONDITION, ErrorDetail.newBuilder().setCode(ErrorDetail.Code.NOT_LEADER)
                .setLeaderId(1).setLeaderAddress(leaderAddress).build());
    }

    static StatusRuntimeException code(Status status, ErrorDetail.Code code) {
        return error(status, ErrorDetail.newBuilder().setCode(code).build());
    }

    long count(String method) {
        return received.stream().filter(r -> r.method().equals(method)).count();
    }

    List<Received> of(String method) {
        return received.stream().filter(r -> r.method().equals(method)).toList();
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> void handle(String method, Message req, StreamObserver<T> out) {
        Deadline d = Context.current().getDeadline();
        received.add(new Received(method, req, d == null ? null : d.timeRemaining(TimeUnit.NANOSECONDS)));
        Message m;
        try {
            m = behaviour.answer(method, req);
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        }
        if (m != null) {
            out.onNext((T) m);
            out.onCompleted();
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Kv extends KVGrpc.KVImplBase {
        @Override
        public StreamObserver<BatchRequest> batch(StreamObserver<BatchResponse> out) {
            if (!serveBatch) {
                return super.batch(out);
            }
            streams.incrementAndGet();
            return new StreamObserver<>() {
                @Override
                public void onNext(BatchRequest req) {
                    BatchResponse.Builder answers = BatchResponse.newBuilder();
                    for (BatchOp op : req.getOpsList()) {
                        BatchResult r;
                        try {
                            r = answerOp(op);
                        } catch (StatusRuntimeException e) {
                            if (e == BREAK_STREAM) {
                                out.onError(e);
                                return;
                            }
                            Metadata t = e.getTrailers();
                            ErrorDetail d = t == null ? null : t.get(CallFailure.DETAIL_KEY);
                            BatchError.Builder be = BatchError.newBuilder().setCode(e.getStatus().getCode().value())
                                    .setMessage(String.valueOf(e.getStatus().getDescription()));
                            if (d != null) {
                                be.setDetail(d);
                            }
                            r = BatchResult.newBuilder().setId(op.getId()).setError(be).build();
                        }
                        if (r != null) {
                            answers.addResults(r);
                        }
                    }
                    synchronized (out) {
                        out.onNext(answers.build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }

        /** One op of a batch, answered by the behaviour under its unary method's name; null: never answered. */
        private BatchResult answerOp(BatchOp op) {
            String method = switch (op.getRequestCase()) {
                case PUT -> "put";
                case GET -> "get";
                case DELETE -> "delete";
                case COMPARE_AND_SET -> "cas";
                default -> "txn";
            };
            Message req = switch (op.getRequestCase()) {
                case PUT -> op.getPut();
                case GET -> op.getGet();
                case DELETE -> op.getDelete();
                case COMPARE_AND_SET -> op.getCompareAndSet();
                default -> op.getTxn();
            };
            received.add(new Received(method, req, TimeUnit.MICROSECONDS.toNanos(op.getTimeoutMicros())));
            Message m = behaviour.answer(method, req);
            if (m == null) {
                return null;
            }
            BatchResult.Builder b = BatchResult.newBuilder().setId(op.getId());
            if (m instanceof PutResponse p) {
                b.setPut(p);
            } else if (m instanceof GetResponse g) {
                b.setGet(g);
            } else if (m instanceof DeleteResponse d) {
                b.setDelete(d);
            } else if (m instanceof CompareAndSetResponse c) {
                b.setCompareAndSet(c);
            } else {
                b.setTxn((TxnResponse) m);
            }
            return b.build();
        }

        @Override
        public void put(PutRequest req, StreamObserver<PutResponse> out) {
            handle("put", req, out);
        }

        @Override
        public void get(GetRequest req, StreamObserver<GetResponse> out) {
            handle("get", req, out);
        }

        @Override
        public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
            handle("delete", req, out);
        }

        @Override
        public void compareAndSet(CompareAndSetRequest req, StreamObserver<CompareAndSetResponse> out) {
            handle("cas", req, out);
        }

        @Override
        public void scan(ScanRequest req, StreamObserver<ScanResponse> out) {
            handle("scan", req, out);
        }

        @Override
        public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
            handle("txn", req, out);
        }

        @Override
        public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> out) {
            handle("openSession", req, out);
        }

        @Override
        public void keepAlive(KeepAliveRequest req, StreamObserver<KeepAliveResponse> out) {
            handle("keepAlive", req, out);
        }
    }

    private final class Cluster extends ClusterGrpc.ClusterImplBase {
        @Override
        public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
            handle("status", req, out);
        }

        @Override
        public void checkState(CheckStateRequest req, StreamObserver<CheckStateResponse> out) {
            handle("checkState", req, out);
        }

        @Override
        public void disarmAlarm(DisarmAlarmRequest req, StreamObserver<DisarmAlarmResponse> out) {
            handle("disarmAlarm", req, out);
        }
    }
}
