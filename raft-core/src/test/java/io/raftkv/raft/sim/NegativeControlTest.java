package io.raftkv.raft.sim;

import static org.junit.jupiter.api.Assertions.fail;

import io.raftkv.raft.TestNodes;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A check that cannot fail proves nothing: with a deliberate bug switched on in every node, the simulator
 * must report an invariant violation within the default seeds ({@code 1..sim.seeds}). The test fails if
 * a bug goes unnoticed, or if only the core's own assertions (not the simulator's checks) notice it.
 *
 * <p>Stops at the first detection. {@code -Dsim.all=true} runs every seed and prints how many catch the
 * bug (a measure of the margin); {@code -Dsim.bug=NAME} limits the run to one bug; {@code -Dsim.seed=N}
 * replays one seed and prints its failure in full.
 */
class NegativeControlTest {

    @ParameterizedTest
    @EnumSource(TestNodes.Bug.class)
    void simulatorCatchesBug(TestNodes.Bug bug) {
        String only = System.getProperty("sim.bug", "").trim();
        if (!only.isEmpty() && !only.equals(bug.name())) {
            return;
        }
        boolean replay = SimProps.seed().isPresent();
        long seedOnly = replay ? SimProps.seed().getAsLong() : 0;
        boolean all = Boolean.getBoolean("sim.all");
        Sweep s = Sweep.run(replay ? seedOnly : 1, replay ? seedOnly : SimProps.seeds(), SimProps.steps(),
                seed -> true, bug, Integer.MAX_VALUE, !all);
        SimFailure caught = null;
        int coreHalts = 0;
        for (SimFailure f : s.failures) {
            if (f.caughtBySimulator()) {
                caught = caught == null ? f : caught;
            } else {
                coreHalts++;
                System.out.println("[sim] " + bug + ": seed " + f.seed + " halted the core: "
                        + (replay ? f.getMessage() : f.getMessage().lines().skip(1).findFirst().orElse("")));
            }
        }
        if (all) {
            TreeMap<String, Long> byProfile = s.failures.stream().filter(SimFailure::caughtBySimulator)
                    .collect(Collectors.groupingBy(f -> Scenario.fromSeed(f.seed, 1, null).profile() + "/"
                            + Scenario.fromSeed(f.seed, 1, null).clusterSize(), TreeMap::new, Collectors.counting()));
            System.out.println("[sim] " + bug + " caught in " + (s.failures.size() - coreHalts) + " of " + s.seedsRun
                    + " seeds (" + s.millis / 1000.0 + " s); by profile/size: " + byProfile);
        }
        if (caught != null) {
            System.out.println("[sim] " + bug + " caught " + (all ? "first" : "after " + s.seedsRun + " seed(s)")
                    + ": seed " + caught.seed + " step " + caught.step + " invariant " + caught.invariant + "\n"
                    + (replay ? caught.getMessage() : caught.getMessage().lines().skip(1).limit(1)
                            .collect(Collectors.joining("\n"))));
            return;
        }
        if (!replay) {
            fail(bug + " went undetected by the simulator's checks over " + s.seedsRun + " seeds (" + coreHalts
                    + " seeds halted the core itself)");
        }
    }
}
