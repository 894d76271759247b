package io.raftkv.raft.sim;

import java.util.OptionalLong;

/** The system properties the parent pom hands to surefire: sim.seeds, sim.steps, sim.seed. */
final class SimProps {
    static final int DEFAULT_SEEDS = 500;
    static final int DEFAULT_STEPS = 2000;

    private SimProps() {
    }

    static int seeds() {
        return intProp("sim.seeds", DEFAULT_SEEDS);
    }

    static int steps() {
        return intProp("sim.steps", DEFAULT_STEPS);
    }

    /** The one seed to replay, if given. */
    static OptionalLong seed() {
        String s = System.getProperty("sim.seed", "").trim();
        return s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
    }

    /** Events kept for a failure report: 60 by default, more with -Dsim.trace=N when replaying. */
    static int traceSize() {
        return intProp("sim.trace", 60);
    }

    static boolean verbose() {
        return Boolean.getBoolean("sim.verbose") || seed().isPresent();
    }

    private static int intProp(String name, int dflt) {
        String s = System.getProperty(name, "").trim();
        return s.isEmpty() ? dflt : Integer.parseInt(s);
    }
}
