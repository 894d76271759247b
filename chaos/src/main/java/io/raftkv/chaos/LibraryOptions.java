package io.raftkv.chaos;

import java.util.Locale;

/**
 * The workloads that go through the client library.
 *
 * @param registerClient which client drives the register workload: the raw stubs (each attempt one
 *                       operation), the library (retries, redirects, breakers and sessions inside one
 *                       operation), or both, the register threads split between them on the same keys
 * @param counterClients counter threads (sessions through the library); 0 turns the counter workload off
 * @param counterRate    increments per second over all counter threads
 * @param brokenSessions the negative control: retried session writes are sent outside their session, which
 *                       the counter check must catch as duplicated increments
 */
record LibraryOptions(ClientMode registerClient, int counterClients, double counterRate, boolean brokenSessions) {
    /** Which client drives the register workload. */
    enum ClientMode {
        RAW,
        LIBRARY,
        BOTH;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static ClientMode parse(String s) {
            for (ClientMode m : values()) {
                if (m.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("--client must be raw, library or both, got '" + s + "'");
        }
    }

    static final LibraryOptions DEFAULT = new LibraryOptions(ClientMode.BOTH, 4, 20, false);

    LibraryOptions {
        if (counterClients < 0 || (counterClients > 0 && counterRate <= 0)) {
            throw new IllegalArgumentException("--counter-clients must be >= 0, with a positive --counter-rate");
        }
        if (brokenSessions && counterClients == 0) {
            throw new IllegalArgumentException("--broken-sessions needs the counter workload (--counter-clients > 0)");
        }
    }

    /** Register threads through the raw stubs, out of {@code threads}: all, none, or the larger half. */
    int rawThreads(int threads) {
        return switch (registerClient) {
            case RAW -> threads;
            case LIBRARY -> 0;
            case BOTH -> threads - threads / 2;
        };
    }

    LibraryOptions withBrokenSessions(boolean broken) {
        return new LibraryOptions(registerClient, counterClients, counterRate, broken);
    }
}
