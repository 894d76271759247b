package io.raftkv.server;

import io.raftkv.proto.ErrorDetail;

/**
 * A request failed in a way the client API reports with a typed {@link ErrorDetail}; the gRPC layer maps
 * the code to a status (see the retry table in kv.proto). Cheap: no stack trace, these are expected.
 */
final class NodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final transient ErrorDetail detail;

    NodeException(ErrorDetail detail, String message) {
        super(message, null, false, false);
        this.detail = detail;
    }

    static NodeException notLeader(long leaderId, String leaderAddress) {
        String where = leaderId == 0 ? "no leader is known" : "the leader is node " + leaderId
                + (leaderAddress.isEmpty() ? "" : " at " + leaderAddress);
        if (leaderId == 0) {
            return new NodeException(ErrorDetail.newBuilder().setCode(ErrorDetail.Code.NO_LEADER).build(),
                    "not the leader and " + where + " (election in progress?)");
        }
        return new NodeException(ErrorDetail.newBuilder().setCode(ErrorDetail.Code.NOT_LEADER).setLeaderId(leaderId)
                .setLeaderAddress(leaderAddress).build(), "not the leader: " + where);
    }

    static NodeException of(ErrorDetail.Code code, String message) {
        return new NodeException(ErrorDetail.newBuilder().setCode(code).build(), message);
    }

    static NodeException invalid(String limitName, long limit, long actual, String message) {
        return new NodeException(ErrorDetail.newBuilder().setCode(ErrorDetail.Code.INVALID).setLimitName(limitName)
                .setLimit(limit).setActual(actual).build(), message);
    }
}
