package io.raftkv.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class IptablesTest {
    @Test
    void aCutLinkDropsOnlyTheSendersTrafficToThePeerPort() {
        List<String> rules = Iptables.rules(Map.of("10.1.2.11", LinkFaults.BLOCKED), 7000);
        // --dport is what keeps a one-way cut one-way: the receiver's own connection to the sender has the
        // sender's peer port as its source, so the sender's replies on it still arrive.
        assertEquals(List.of("-A RAFTKV -s 10.1.2.11/32 -p tcp -m tcp --dport 7000 -j DROP"), rules);
    }

    @Test
    void lossIsARandomDropAndHealthyLinksHaveNoRule() {
        Map<String, LinkFaults> in = new TreeMap<>();
        in.put("10.1.2.11", LinkFaults.lossy(0.05));
        in.put("10.1.2.12", LinkFaults.NONE);
        assertEquals(List.of("-A RAFTKV -s 10.1.2.11/32 -p tcp -m tcp --dport 7000 -m statistic --mode random "
                + "--probability 0.0500 -j DROP"), Iptables.rules(in, 7000));
        assertThrows(UnsupportedOperationException.class, () -> Iptables.rules(Map.of("10.1.2.11", LinkFaults.slow(50, 0)), 7000));
    }

    @Test
    void theScriptIsIdempotentOnAFreshNamespaceAndRewritesTheWholeChain() {
        String s = Iptables.script(Map.of("10.1.2.11", LinkFaults.BLOCKED), 7000);
        assertTrue(s.startsWith("set -e\n"));
        assertTrue(s.contains("iptables -w -N RAFTKV 2>/dev/null || true"));
        assertTrue(s.contains("iptables -w -C INPUT -j RAFTKV 2>/dev/null || iptables -w -I INPUT 1 -j RAFTKV"));
        assertTrue(s.indexOf("iptables -w -F RAFTKV") < s.indexOf("-A RAFTKV"), s);
    }

    @Test
    void appliedFaultsAreReadBackFromTheKernelListing() {
        // As iptables -S prints it: the kernel stores the probability as a 32-bit fraction.
        String listing = String.join("\n", "-N RAFTKV",
                "-A RAFTKV -s 10.1.2.11/32 -p tcp -m tcp --dport 7000 -j DROP",
                "-A RAFTKV -s 10.1.2.12/32 -p tcp -m tcp --dport 7000 -m statistic --mode random --probability 0.01999999978 -j DROP",
                "-A RAFTKV -s 10.1.2.13/32 -p tcp -m tcp --dport 9999 -j DROP");
        assertEquals(LinkFaults.BLOCKED, Iptables.applied(listing, "10.1.2.11", 7000));
        assertEquals(LinkFaults.lossy(0.02), Iptables.applied(listing, "10.1.2.12", 7000));
        assertEquals(LinkFaults.NONE, Iptables.applied(listing, "10.1.2.13", 7000), "another port is not the peer link");
        assertEquals(LinkFaults.NONE, Iptables.applied(listing, "10.1.2.1", 7000), "10.1.2.1 is not 10.1.2.11");
    }
}
