package io.raftkv.server.transport;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a peer certificate says which member it belongs to: a subject alternative name URI
 * {@code urn:raftkv:member:<id>} (id in decimal). A node accepts Raft traffic claiming to come from member N
 * only over a connection whose certificate names N, and its own connections to member N only reach a
 * server whose certificate names N. Host names and addresses in peer certificates are not what is checked,
 * so members may be reached through NAT, proxies or container addresses.
 */
final class MemberIdentity {
    static final String URI_PREFIX = "urn:raftkv:member:";
    private static final int SAN_URI = 6;

    private MemberIdentity() {
    }

    static String uri(long member) {
        return URI_PREFIX + member;
    }

    /** The member ids {@code cert} names (normally one); empty if none. */
    static Set<Long> of(X509Certificate cert) {
        Set<Long> ids = new TreeSet<>();
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return ids;
        }
        if (names == null) {
            return ids;
        }
        for (List<?> name : names) {
            if (name.size() >= 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String s
                    && s.startsWith(URI_PREFIX)) {
                try {
                    long id = Long.parseLong(s.substring(URI_PREFIX.length()));
                    if (id > 0) {
                        ids.add(id);
                    }
                } catch (NumberFormatException ignored) {
                    // not a member URI after all
                }
            }
        }
        return ids;
    }
}
