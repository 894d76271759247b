package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTest {
    @Test
    void samplesAreSummedByNameLabelsDropped() {
        Map<String, Double> m = Prometheus.parse(Fixtures.read("raftkv-metrics.txt"));
        assertEquals(5.0, m.get("raftkv_grpc_server_handled_total"));
        assertEquals(1234.0, m.get("raftkv_disk_wal_fsync_duration_seconds_count"));
        // A timestamp after the value is not the value; NaN samples are skipped.
        assertEquals(7.0, m.get("raftkv_server_term"));
        assertEquals(0.0, m.get("raftkv_server_follower_lag_entries"));
        assertFalse(m.containsKey("#"));
        Map<String, Double> e = Prometheus.parse(Fixtures.read("etcd-metrics.txt"));
        assertEquals(4.5e6, e.get("grpc_server_handled_total"));
        assertEquals(Double.POSITIVE_INFINITY, Prometheus.parseValue("+Inf"));
    }

    @Test
    void raftkvCountersComeFromItsMetricNames() throws IOException {
        SystemUnderTest.Counters c = RaftkvSystem.fromMetrics(Prometheus.parse(Fixtures.read("raftkv-metrics.txt")));
        assertEquals(new SystemUnderTest.Counters(3, 1234, 5678, 5670, true, true), c);
    }

    @Test
    void etcdCountersComeFromItsMetricNames() throws IOException {
        SystemUnderTest.Counters c = EtcdSystem.fromMetrics(Prometheus.parse(Fixtures.read("etcd-metrics.txt")));
        assertEquals(new SystemUnderTest.Counters(2, 812, 9001, 9000, false, true), c);
    }

    @Test
    void aRenamedMetricIsAnErrorNotAZero() {
        String text = Fixtures.read("raftkv-metrics.txt").replace("raftkv_server_commit_index", "raftkv_server_committed");
        IOException e = assertThrows(IOException.class, () -> RaftkvSystem.fromMetrics(Prometheus.parse(text)));
        assertTrue(e.getMessage().contains("raftkv_server_commit_index"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Prometheus.parse("a_metric_without_value\n"));
    }
}
