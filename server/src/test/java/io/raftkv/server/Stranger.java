package io.raftkv.server;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftkv.proto.peer.AppendEntries;
import io.raftkv.proto.peer.Entry;
import io.raftkv.proto.peer.HelloRequest;
import io.raftkv.proto.peer.MessageBatch;
import io.raftkv.proto.peer.RaftMessage;
import io.raftkv.proto.peer.RaftPeerGrpc;
import io.raftkv.proto.peer.StreamSummary;
import io.raftkv.proto.peer.TimeoutNow;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Someone who is no member, armed only with the published {@code raftkv-proto} stubs (issue 13): it talks
 * to a node's peer port and claims to be another member.
 */
final class Stranger implements AutoCloseable {
    private final ManagedChannel channel;

    Stranger(String peerAddress, ChannelCredentials credentials) {
        this.channel = Grpc.newChannelBuilder(peerAddress, credentials).build();
    }

    static Stranger plaintext(String peerAddress) {
        return new Stranger(peerAddress, InsecureChannelCredentials.create());
    }

    /** The status of a Hello with these ids: what the node answers someone probing it. */
    Status hello(long clusterId, long from, long to) {
        try {
            RaftPeerGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .hello(HelloRequest.newBuilder().setClusterId(clusterId).setFrom(from).setTo(to).build());
            return Status.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** The status of a StateHash request (the corruption check's question) with these ids. */
    Status stateHash(long clusterId, long from, long to) {
        try {
            RaftPeerGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).stateHash(
                    io.raftkv.proto.peer.StateHashRequest.newBuilder().setClusterId(clusterId).setFrom(from).setTo(to).setIndex(1).build());
            return Status.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** Offers a snapshot "from" {@code from} (the first message of InstallSnapshot); returns how the call ended. */
    Status offerSnapshot(long clusterId, long from, long to, long term, long index) {
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<io.raftkv.proto.peer.SnapshotChunk> out = RaftPeerGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .installSnapshot(new StreamObserver<>() {
                    @Override
                    public void onNext(io.raftkv.proto.peer.SnapshotAck value) {
                        done.complete(Status.OK); // the receiver asked for the first chunk: the offer was taken
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(Status.OK);
                    }
                });
        out.onNext(io.raftkv.proto.peer.SnapshotChunk.newBuilder().setClusterId(clusterId).setFrom(from).setTo(to).setTerm(term)
                .setMetadata(io.raftkv.proto.peer.SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
                        .setConfState(io.raftkv.proto.peer.ConfState.newBuilder().addVoters(from).addVoters(to)))
                .build());
        Status s = done.join();
        out.onError(Status.CANCELLED.asRuntimeException());
        return s;
    }

    /** Sends one TimeoutNow "from" {@code from}: the receiver would campaign at once. Returns how the stream ended. */
    Status timeoutNow(long clusterId, long from, long to, long term) {
        return send(MessageBatch.newBuilder().setClusterId(clusterId).setFrom(from).addMessages(RaftMessage.newBuilder()
                .setFrom(from).setTo(to).setTerm(term).setTimeoutNow(TimeoutNow.getDefaultInstance())).build());
    }

    /** Sends one AppendEntries "from" {@code from} that overwrites the entry after {@code prevIndex} with a put. */
    Status appendEntries(long clusterId, long from, long to, long term, long prevIndex, long prevTerm,
                         com.google.protobuf.ByteString data) {
        return send(MessageBatch.newBuilder().setClusterId(clusterId).setFrom(from).addMessages(RaftMessage.newBuilder()
                .setFrom(from).setTo(to).setTerm(term).setAppend(AppendEntries.newBuilder().setPrevIndex(prevIndex)
                        .setPrevTerm(prevTerm).setCommit(prevIndex + 1).addEntries(Entry.newBuilder().setTerm(term)
                                .setIndex(prevIndex + 1).setData(data)))).build());
    }

    /** Streams {@code batch} and half-closes; the node answers (a summary) or refuses (an error). */
    Status send(MessageBatch batch) {
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<MessageBatch> out = RaftPeerGrpc.newStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .stream(new StreamObserver<>() {
                    @Override
                    public void onNext(StreamSummary value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(Status.OK);
                    }
                });
        out.onNext(batch);
        out.onCompleted();
        return done.join();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
