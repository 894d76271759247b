package io.raftkv.bench.compare;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the Prometheus text format both systems serve on {@code /metrics}. Only what the comparison needs:
 * samples summed per metric name (labels dropped), which is exact for the unlabelled counters and gauges it
 * reads and gives totals for labelled ones.
 */
final class Prometheus {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Prometheus() {
    }

    /** Sample name to the sum of its values; comments, blank lines and NaN samples are skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space;
            String name;
            if (brace >= 0 && brace < line.indexOf(' ')) {
                int end = line.lastIndexOf('}');
                if (end < brace) {
                    throw new IllegalArgumentException("unbalanced labels in metrics line: " + line);
                }
                name = line.substring(0, brace);
                space = end + 1;
            } else {
                space = line.indexOf(' ');
                if (space < 0) {
                    throw new IllegalArgumentException("no value in metrics line: " + line);
                }
                name = line.substring(0, space);
            }
            // The value, then an optional timestamp.
            String value = line.substring(space).trim().split("\\s+")[0];
            double v = parseValue(value);
            if (!Double.isNaN(v)) {
                out.merge(name, v, Double::sum);
            }
        }
        return out;
    }

    static double parseValue(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** GET {@code url} and parse it; throws IOException if the node does not answer within {@code timeout}. */
    static Map<String, Double> scrape(String url, Duration timeout) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
        try {
            HttpResponse<String> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new IOException(url + " answered HTTP " + resp.statusCode());
            }
            return parse(resp.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + url, e);
        }
    }
}
