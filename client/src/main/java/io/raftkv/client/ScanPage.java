package io.raftkv.client;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Objects;

/**
 * One page of a scan, for callers that page by hand ({@link RaftKvClient#scanPageAsync}); most callers use
 * {@link RaftKvClient#scan(Scan)}, which pages transparently.
 *
 * @param kvs           the keys of this page, in key order
 * @param nextPageToken where the next page starts; empty on the last page
 * @param header        where the page came from
 */
public record ScanPage(List<KeyValue> kvs, ByteString nextPageToken, Header header) {
    public ScanPage {
        kvs = List.copyOf(kvs);
        Objects.requireNonNull(nextPageToken, "nextPageToken");
    }

    /** Whether this is the last page. */
    public boolean last() {
        return nextPageToken.isEmpty();
    }
}
