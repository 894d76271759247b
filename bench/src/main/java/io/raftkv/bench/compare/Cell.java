package io.raftkv.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * One cell of the comparison matrix: a workload driven by a number of closed-loop clients.
 *
 * @param workload what each client does
 * @param clients  how many threads issue operations back to back (sharing one client object)
 */
record Cell(Workload workload, int clients) {
    /** The workloads; the label is what {@code --cells} accepts and what the table prints. */
    enum Workload {
        /** Blind writes of a 256-byte value to uniformly chosen keys. */
        PUT("put"),
        /** Linearizable reads (raftkv: ReadIndex on the leader; etcd: its default read) of uniform keys. */
        GET_LINEARIZABLE("get-lin"),
        /** Serializable reads: any member answers from its local state, possibly stale. */
        GET_SERIALIZABLE("get-ser"),
        /** YCSB workload A: 50% linearizable reads, 50% updates, keys chosen by a scrambled zipfian (0.99). */
        YCSB_A("ycsb-a"),
        /**
         * Not a cell: the round's warm-up, puts and both kinds of get in equal parts over uniform keys, so
         * every path the cells take is compiled before the first one is measured.
         */
        WARMUP("warmup");

        final String label;

        Workload(String label) {
            this.label = label;
        }

        /** Whether it writes: read-only cells have no entries per fsync worth showing. */
        boolean writes() {
            return this != GET_LINEARIZABLE && this != GET_SERIALIZABLE;
        }

        static Workload parse(String s) {
            for (Workload w : values()) {
                if (w != WARMUP && w.label.equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown workload '" + s + "' (expected put, get-lin, get-ser or ycsb-a)");
        }
    }

    Cell {
        if (clients < 1 || clients > 4096) {
            throw new IllegalArgumentException("clients must be 1..4096, got " + clients);
        }
    }

    /** As printed and accepted: {@code put@16}. */
    String name() {
        return workload.label + "@" + clients;
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The cells named by {@code spec}: comma-separated {@code WORKLOAD} or {@code WORKLOAD@CLIENTS}. A bare
     * {@code put} becomes one cell per entry of {@code putClients} (the throughput-vs-clients sweep); any
     * other bare workload runs with {@code otherClients}. Duplicates are dropped, order is kept.
     */
    static List<Cell> parse(String spec, List<Integer> putClients, int otherClients) {
        LinkedHashSet<Cell> cells = new LinkedHashSet<>();
        for (String item : spec.split(",")) {
            String s = item.trim();
            if (s.isEmpty()) {
                continue;
            }
            int at = s.indexOf('@');
            if (at >= 0) {
                int n;
                try {
                    n = Integer.parseInt(s.substring(at + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad client count in '" + s + "'");
                }
                cells.add(new Cell(Workload.parse(s.substring(0, at)), n));
            } else {
                Workload w = Workload.parse(s);
                if (w == Workload.PUT) {
                    putClients.forEach(n -> cells.add(new Cell(w, n)));
                } else {
                    cells.add(new Cell(w, otherClients));
                }
            }
        }
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("no cells in '" + spec + "'");
        }
        return new ArrayList<>(cells);
    }
}
