package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The docker backend's network faults as iptables rules, kept pure so they are tested without Docker.
 *
 * <p>A directed link i->j is what node i sends to node j's peer port: raftkv opens one connection per
 * ordered pair, and i's messages to j travel only on the connection i opened to j. So every fault on
 * i->j is a rule in <em>j's</em> INPUT path matching {@code -s IP(i) -p tcp --dport PEER_PORT}. Matching
 * the destination port, not just the source address, is what makes a one-way cut one-way: j's own
 * connection to i has i's peer port as its <em>source</em> port, so the acknowledgements and replies i
 * sends back on it (destination: j's ephemeral port) still pass. Rules live in a chain of their own,
 * {@value #CHAIN}, rewritten whole on every change, so nothing else in the container's tables is touched.
 */
final class Iptables {
    static final String CHAIN = "RAFTKV";
    private static final Pattern RULE = Pattern.compile(
            "-A " + CHAIN + " -s (\\S+?)(?:/32)? -p tcp -m tcp --dport (\\d+)(?: -m statistic --mode random --probability (\\S+))? -j DROP");

    private Iptables() {
    }

    /**
     * A shell script that leaves node {@code to}'s chain holding exactly the faults on its incoming links.
     * Idempotent, and safe on a fresh network namespace (a restarted container has none of its rules).
     *
     * @param incoming for each sender's address, the faults on its link to this node (none: no rule)
     */
    static String script(Map<String, LinkFaults> incoming, int peerPort) {
        StringBuilder b = new StringBuilder("set -e\n")
                .append("iptables -w -N ").append(CHAIN).append(" 2>/dev/null || true\n")
                .append("iptables -w -C INPUT -j ").append(CHAIN).append(" 2>/dev/null || iptables -w -I INPUT 1 -j ")
                .append(CHAIN).append('\n')
                .append("iptables -w -F ").append(CHAIN).append('\n');
        for (String rule : rules(incoming, peerPort)) {
            b.append("iptables -w ").append(rule).append('\n');
        }
        return b.toString();
    }

    /** The rules for the chain, in {@code iptables -S} form. */
    static List<String> rules(Map<String, LinkFaults> incoming, int peerPort) {
        List<String> out = new ArrayList<>();
        incoming.forEach((from, f) -> {
            if (f.delayMillis() > 0 || f.jitterMillis() > 0) {
                throw new UnsupportedOperationException("iptables cannot delay a link (" + f + ")");
            }
            String match = "-A " + CHAIN + " -s " + from + "/32 -p tcp -m tcp --dport " + peerPort;
            if (f.blocked()) {
                out.add(match + " -j DROP");
            } else if (f.loss() > 0) {
                out.add(match + " -m statistic --mode random --probability " + String.format(Locale.ROOT, "%.4f", f.loss())
                        + " -j DROP");
            }
        });
        return out;
    }

    /**
     * What {@code iptables -S CHAIN} says is applied to the link from {@code from}: read back from the
     * kernel, so a test checks what the network does, not what the harness meant.
     */
    static LinkFaults applied(String listing, String from, int peerPort) {
        LinkFaults result = LinkFaults.NONE;
        for (String line : listing.split("\n")) {
            Matcher m = RULE.matcher(line.trim());
            if (!m.matches() || !m.group(1).equals(from) || Integer.parseInt(m.group(2)) != peerPort) {
                continue;
            }
            if (m.group(3) == null) {
                return LinkFaults.BLOCKED;
            }
            // The kernel keeps the probability as a 32-bit fraction: 0.02 reads back as 0.01999999978.
            result = LinkFaults.lossy(Math.round(Double.parseDouble(m.group(3)) * 10_000) / 10_000.0);
        }
        return result;
    }
}
