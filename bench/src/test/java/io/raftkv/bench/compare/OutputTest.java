package io.raftkv.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The shape of what a run prints and writes: the table, results.json and chart.svg. */
class OutputTest {
    private static final Cell PUT1 = new Cell(Cell.Workload.PUT, 1);
    private static final Cell PUT64 = new Cell(Cell.Workload.PUT, 64);
    private static final Cell GET = new Cell(Cell.Workload.GET_LINEARIZABLE, 64);
    private static final List<Cell> CELLS = List.of(PUT1, PUT64, GET);
    private static final List<String> SYSTEMS = List.of("raftkv", "etcd");

    /** Two rounds of three cells for both systems; etcd's get has a round with errors. */
    private static List<Result> results() {
        List<Result> rs = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            rs.add(Fixtures.result("raftkv", round, PUT1, 600 + 100 * round, 1.0 + 0.2 * round, Map.of()));
            rs.add(Fixtures.result("etcd", round, PUT1, 1000 + 200 * round, 0.6, Map.of()));
            rs.add(Fixtures.result("raftkv", round, PUT64, 5000 + 1000 * round, 9, Map.of()));
            rs.add(Fixtures.result("etcd", round, PUT64, 7000, 8, Map.of()));
            rs.add(Fixtures.result("raftkv", round, GET, 10_000, 5, Map.of()));
            rs.add(Fixtures.result("etcd", round, GET, 6_000, 9,
                    round == 1 ? Map.of("StatusRuntimeException(UNAVAILABLE)", 3L, "timeout after 30s", 1L) : Map.of()));
        }
        return rs;
    }

    @Test
    void tableHasTwoSystemRowsAndARatioRowPerCell() {
        List<Result> rs = results();
        Table t = Table.of(CELLS, "raftkv", "etcd", Summary.all(CELLS, SYSTEMS, rs));
        List<List<String>> rows = t.rows();
        assertEquals(9, rows.size());
        assertEquals(List.of("put@1", "raftkv", "700–800", "1.20–1.40", "4.80–5.60", "9.60–11.2", "0", "0", "125–143",
                "120", "8.00"), rows.get(0));
        assertEquals(List.of("put@1", "etcd", "1,200–1,400", "0.60", "2.40", "4.80", "0", "0", "71.4–83.3", "120", "8.00"),
                rows.get(1));
        // Medians 750 / 1300 and 1.3 / 0.6.
        assertEquals(List.of("put@1", "raftkv/etcd", "0.58", "2.17", "2.17", "2.17", "", "", "1.73", "1.00", "1.00"),
                rows.get(2));
        assertEquals("4 (StatusRuntimeException(UNAVAILABLE) 3, timeout after 30s 1)", rows.get(7).get(6));
        assertEquals("-", rows.get(6).get(10), "no batch size for reads");
        assertEquals("-", rows.get(8).get(10));
        String printed = CompareCommand.render(t);
        String[] lines = printed.split("\n");
        assertEquals(11, lines.length);
        assertTrue(lines[0].startsWith("| cell "), lines[0]);
        assertTrue(lines[1].matches("\\|( -+ \\|)+"), lines[1]);
        for (String line : lines) {
            assertEquals(lines[0].length(), line.length(), "columns line up: " + line);
        }
    }

    @Test
    void idleCpuIsOneLineOfRanges() {
        assertEquals("\nServer CPU with no load (3 nodes, after the warm-up): raftkv 100–300, etcd 40 ms per second.\n",
                CompareCommand.idleLine(SYSTEMS, List.of(new Compare.Idle("raftkv", 1, 300), new Compare.Idle("etcd", 1, 40),
                        new Compare.Idle("raftkv", 2, 100))));
        assertEquals("", CompareCommand.idleLine(SYSTEMS, List.of()));
    }

    @Test
    void oneSystemMeansNoRatioRows() {
        List<Result> rs = results().stream().filter(r -> r.system().equals("etcd")).toList();
        List<List<String>> rows = Table.of(CELLS, "etcd", null, Summary.all(CELLS, List.of("etcd"), rs)).rows();
        assertEquals(List.of("etcd", "etcd", "etcd"), rows.stream().map(r -> r.get(1)).toList());
    }

    @Test
    void jsonCarriesResultsSummariesAndRatiosWithNullForMissingNumbers() {
        List<Result> rs = results();
        List<Summary> sums = Summary.all(CELLS, SYSTEMS, rs);
        String text = Json.write(Json.object().with("results", rs.stream().map(Json::result).toList())
                .with("summary", sums.stream().map(Json::summary).toList())
                .with("ratios", List.of(Json.ratios(Summary.ratios(sums.get(0), sums.get(1)))))
                .with("note", "quote \" backslash \\ newline \n tab \t"));
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        JsonArray results = o.getAsJsonArray("results");
        assertEquals(12, results.size());
        JsonObject first = results.get(0).getAsJsonObject();
        assertEquals("raftkv", first.get("system").getAsString());
        assertEquals("put@1", first.get("cell").getAsString());
        assertEquals(700, first.get("opsPerSecond").getAsDouble(), 1e-9);
        assertEquals(1.2, first.getAsJsonObject("latencyMs").get("p50").getAsDouble(), 1e-9);
        assertEquals(3, first.getAsJsonArray("rssMiBPerNode").size());
        assertEquals(0, first.get("leaderNode").getAsInt());
        assertEquals(50_000 / 700.0, first.getAsJsonArray("serverCpuMsPer1000OpsByNode").get(0).getAsDouble(), 1e-6);
        JsonObject getResult = results.get(4).getAsJsonObject();
        assertTrue(getResult.get("entriesPerFsync").isJsonNull());
        assertEquals(6, o.getAsJsonArray("summary").size());
        JsonObject ratio = o.getAsJsonArray("ratios").get(0).getAsJsonObject();
        assertEquals(750.0 / 1300, ratio.get("opsPerSecond").getAsDouble(), 1e-6);
        assertEquals("quote \" backslash \\ newline \n tab \t", o.get("note").getAsString());
    }

    @Test
    void chartHasADotPerPutRoundAndThreeBarsPerSystemAndCell() throws Exception {
        List<Result> rs = results();
        String svg = Svg.chart(CELLS, SYSTEMS, rs, Summary.all(CELLS, SYSTEMS, rs), "a <subtitle> & more");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        Element root = doc.getDocumentElement();
        assertEquals("svg", root.getTagName());
        assertEquals(8, countByClass(doc, "circle", "round"));
        assertEquals(2, countByClass(doc, "polyline", "median"));
        assertEquals(3 * 2 * 3, countByClass(doc, "rect", "bar"));
        assertTrue(svg.contains("a &lt;subtitle&gt; &amp; more"));
        // Bars stay inside the plot: none taller than the panel.
        NodeList rects = doc.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getAttribute("class").equals("bar")) {
                double h = Double.parseDouble(r.getAttribute("height"));
                assertTrue(h > 0 && h <= 330, "bar height " + h);
            }
        }
    }

    @Test
    void chartWithoutPutCellsSaysSo() {
        List<Result> rs = results().stream().filter(r -> r.cell().equals(GET)).toList();
        String svg = Svg.chart(List.of(GET), SYSTEMS, rs, Summary.all(List.of(GET), SYSTEMS, rs), "s");
        assertTrue(svg.contains("(no put cells in this run)"));
    }

    private static int countByClass(Document doc, String tag, String cls) {
        NodeList n = doc.getElementsByTagName(tag);
        int count = 0;
        for (int i = 0; i < n.getLength(); i++) {
            if (((Element) n.item(i)).getAttribute("class").equals(cls)) {
                count++;
            }
        }
        return count;
    }
}
