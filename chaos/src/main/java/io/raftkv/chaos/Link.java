package io.raftkv.chaos;

/** A directed network link: traffic that node {@code from} sends to node {@code to}. */
record Link(int from, int to) implements Comparable<Link> {
    Link {
        if (from == to) {
            throw new IllegalArgumentException("a link joins two different nodes, got " + from + "->" + to);
        }
    }

    Link reversed() {
        return new Link(to, from);
    }

    @Override
    public int compareTo(Link o) {
        return from != o.from ? Integer.compare(from, o.from) : Integer.compare(to, o.to);
    }

    @Override
    public String toString() {
        return from + "->" + to;
    }
}
