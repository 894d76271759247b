package io.raftkv.server;

import com.google.protobuf.ByteString;
import io.raftkv.proto.ScanRequest;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.KeyRange;
import io.raftkv.storage.KeyValue;

/** Conversions between the client API's messages and the state machine's values. */
final class Wire {
    private static final byte PAGE_TOKEN_VERSION = 1;

    private Wire() {
    }

    static io.raftkv.proto.KeyValue kv(KeyValue kv) {
        return io.raftkv.proto.KeyValue.newBuilder().setKey(KvService.bytes(kv.key())).setValue(KvService.bytes(kv.value()))
                .setVersion(kv.version()).setModIndex(kv.modIndex()).setCreateIndex(kv.createIndex()).build();
    }

    /** A range given either as a prefix or as [start, end), continued after the page token's key. */
    static KeyRange scanRange(ScanRequest req, RequestValidator validate) {
        validate.bound(req.getStartKey(), "start key");
        validate.bound(req.getEndKey(), "end key");
        validate.bound(req.getPrefix(), "prefix");
        KeyRange range;
        if (!req.getPrefix().isEmpty()) {
            if (!req.getStartKey().isEmpty() || !req.getEndKey().isEmpty()) {
                throw NodeException.invalid("scan-range", 0, 0, "give either a prefix or a start/end range, not both");
            }
            range = KeyRange.prefix(KvService.bytes(req.getPrefix()));
        } else {
            Bytes start = KvService.bytes(req.getStartKey());
            Bytes end = req.getEndKey().isEmpty() ? null : KvService.bytes(req.getEndKey());
            if (end != null && end.compareTo(start) <= 0) {
                throw NodeException.invalid("scan-range", 0, 0, "scan end key must sort after the start key");
            }
            range = new KeyRange(start, end);
        }
        if (req.getPageToken().isEmpty()) {
            return range;
        }
        ByteString t = req.getPageToken();
        if (t.byteAt(0) != PAGE_TOKEN_VERSION) {
            throw NodeException.invalid("page-token", 0, 0, "page token is not one this server issued");
        }
        Bytes last = KvService.bytes(t.substring(1));
        if (!range.contains(last)) {
            throw NodeException.invalid("page-token", 0, 0, "page token does not belong to this scan's range");
        }
        return range.after(last);
    }

    static ByteString pageToken(Bytes lastKey) {
        return ByteString.copyFrom(new byte[] {PAGE_TOKEN_VERSION}).concat(KvService.bytes(lastKey));
    }
}
