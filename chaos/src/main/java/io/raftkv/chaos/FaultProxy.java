package io.raftkv.chaos;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-harness network: one {@link LinkProxy} per directed link between nodes, so any partition shape
 * (one-way included), delay and loss work without root, iptables or Docker. Each node is configured to
 * reach each peer through the proxy of that link.
 */
final class FaultProxy implements AutoCloseable {
    private final Map<Link, LinkProxy> proxies = new TreeMap<>();

    /** Opens a proxy for every ordered pair of {@code peerPorts}' nodes, forwarding to the real peer ports. */
    FaultProxy(Map<Integer, Integer> peerPorts) throws IOException {
        try {
            for (int from : peerPorts.keySet()) {
                for (var to : peerPorts.entrySet()) {
                    if (from != to.getKey()) {
                        Link l = new Link(from, to.getKey());
                        proxies.put(l, new LinkProxy(l, to.getValue()));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The port node {@code link.from()} must dial to reach {@code link.to()}. */
    int port(Link link) {
        return proxy(link).port();
    }

    void set(Link link, LinkFaults faults) {
        proxy(link).set(faults);
    }

    LinkFaults faults(Link link) {
        return proxy(link).faults();
    }

    Collection<LinkProxy> links() {
        return proxies.values();
    }

    /** Every link back to normal. */
    void healAll() {
        proxies.values().forEach(p -> p.set(LinkFaults.NONE));
    }

    private LinkProxy proxy(Link link) {
        LinkProxy p = proxies.get(link);
        if (p == null) {
            throw new IllegalArgumentException("no link " + link + " (links: " + proxies.keySet() + ")");
        }
        return p;
    }

    @Override
    public void close() {
        proxies.values().forEach(LinkProxy::close);
    }
}
