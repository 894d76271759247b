package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.List;

/**
 * What one corruption check found ({@link RaftKvClient#checkState()}): every voter hashed its state (keys,
 * values, sessions) right after the same log entry, and the leader compared the hashes. A member whose hash
 * differs from the majority's is {@code corrupt}: the leader raised its CORRUPT alarm, and it serves nothing
 * until it is replaced. Without a majority of agreeing hashes nobody is judged corrupt.
 *
 * @param index   the log index every voter hashed its state at
 * @param members each voter's answer, by ascending id
 * @param corrupt the members found corrupt by this check (their CORRUPT alarms were raised), by ascending id
 */
public record StateCheck(long index, List<MemberHash> members, List<Long> corrupt) {
    public StateCheck {
        members = List.copyOf(members);
        corrupt = List.copyOf(corrupt);
    }

    /** Whether this check found any member corrupt. */
    public boolean foundCorrupt() {
        return !corrupt.isEmpty();
    }

    /**
     * One voter's answer.
     *
     * @param id    the member
     * @param hash  the SHA-256 of its state at the check's index; empty if it gave none
     * @param error why it gave no hash (unreachable, not applied that far in time, ...); empty if it did
     */
    public record MemberHash(long id, ByteString hash, String error) {
        /** Whether the member answered with a hash. */
        public boolean known() {
            return !hash.isEmpty();
        }

        /** The hash in lower-case hex, empty if unknown. */
        public String hashHex() {
            return HexFormat.of().formatHex(hash.toByteArray());
        }
    }
}
