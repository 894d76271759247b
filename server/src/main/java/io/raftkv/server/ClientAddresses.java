package io.raftkv.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each member serves clients, for NOT_LEADER redirects and status: what peers announced on their
 * streams (their advertised address as they see it) wins over what membership changes recorded.
 */
final class ClientAddresses {
    private final ConcurrentHashMap<Long, String> learned = new ConcurrentHashMap<>();
    private final MemberDirectory members;

    ClientAddresses(MemberDirectory members) {
        this.members = members;
    }

    void learn(long id, String address) {
        learned.put(id, address);
    }

    /** The client address of {@code id}, or "" when unknown (also for id 0, no leader). */
    String of(long id) {
        if (id == 0) {
            return "";
        }
        String a = learned.get(id);
        return a != null ? a : members.view().clientAddresses().getOrDefault(id, "");
    }
}
