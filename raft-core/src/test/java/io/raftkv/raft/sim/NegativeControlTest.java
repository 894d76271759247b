package io.raftkv.raft.sim;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A check that cannot fail proves nothing: with a deliberate bug switched on ({@link Control}: in every
 * node's core, in the driver, or in the network's defences), the simulator must report a SAFETY
 * violation within the default seeds ({@code 1..sim.seeds}). The test fails if a bug goes unnoticed, or
 * is noticed only as a liveness failure, a contract check or the core's own assertion (one documented
 * exception, {@link Control#CONF_CHANGE_BEFORE_CONFIG_KNOWN}, which the core's assertion must catch).
 *
 * <p>Stops at the first detection. {@code -Dsim.all=true} runs every seed and prints how many catch the
 * bug (a measure of the margin); {@code -Dsim.control=NAME} limits the run to one control;
 * {@code -Dsim.seed=N} replays one seed and prints its failure in full.
 */
class NegativeControlTest {

    @ParameterizedTest
    @EnumSource(Control.class)
    void simulatorCatchesBug(Control control) {
        String only = System.getProperty("sim.control", "").trim();
        if (!only.isEmpty() && !only.equals(control.name())) {
            return;
        }
        boolean replay = SimProps.seed().isPresent();
        long seedOnly = replay ? SimProps.seed().getAsLong() : 0;
        boolean all = Boolean.getBoolean("sim.all");
        Sweep s = Sweep.run(replay ? seedOnly : 1, replay ? seedOnly : SimProps.seeds(), SimProps.steps(),
                seed -> true, control, Integer.MAX_VALUE, !all);
        SimFailure caught = null;
        int other = 0;
        for (SimFailure f : s.failures) {
            if (control.caughtBy(f)) {
                caught = caught == null ? f : caught;
            } else {
                other++;
                System.out.println("[sim] " + control + ": seed " + f.seed + " failed " + f.invariant + ", not a safety check: "
                        + (replay ? f.getMessage() : f.getMessage().lines().skip(1).findFirst().orElse("")));
            }
        }
        if (all) {
            TreeMap<String, Long> byInvariant = s.failures.stream().filter(control::caughtBy)
                    .collect(Collectors.groupingBy(f -> f.invariant, TreeMap::new, Collectors.counting()));
            System.out.println("[sim] " + control + " caught in " + (s.failures.size() - other) + " of " + s.seedsRun
                    + " seeds (" + s.millis / 1000.0 + " s); by invariant: " + byInvariant);
        }
        if (caught != null) {
            System.out.println("[sim] " + control + " caught " + (all ? "first" : "after " + s.seedsRun + " seed(s)")
                    + ": seed " + caught.seed + " step " + caught.step + " invariant " + caught.invariant + "\n"
                    + (replay ? caught.getMessage() : caught.getMessage().lines().skip(1).limit(1)
                            .collect(Collectors.joining("\n"))));
            return;
        }
        if (!replay) {
            fail(control + " went undetected by " + (control.safetyCatch ? "the simulator's safety checks" : "the core")
                    + " over " + s.seedsRun + " seeds (" + other
                    + " seeds failed otherwise)");
        }
    }
}
