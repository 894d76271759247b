package io.raftkv.raft.sim;

import static org.junit.jupiter.api.Assertions.fail;

import io.raftkv.raft.TestNodes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A check that cannot fail proves nothing: with a deliberate bug switched on in every node, the simulator
 * must report an invariant violation within the default seeds. The test fails if a bug goes unnoticed,
 * or if only the core's own assertions (not the simulator's checks) notice it.
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
        Sweep s = Sweep.run(replay ? (int) seedOnly : SimProps.seeds(), SimProps.steps(),
                seed -> !replay || seed == seedOnly, bug, Integer.MAX_VALUE, true);
        System.out.println(s.summary("negative control " + bug));
        SimFailure caught = null;
        int coreHalts = 0;
        for (SimFailure f : s.failures) {
            if (f.caughtBySimulator()) {
                caught = f;
            } else {
                coreHalts++;
                System.out.println("[sim] " + bug + ": seed " + f.seed + " halted the core: "
                        + (replay ? f.getMessage() : f.getMessage().lines().skip(1).findFirst().orElse("")));
                if (replay && f.getCause() != null) {
                    f.getCause().printStackTrace(System.out);
                }
            }
        }
        if (caught != null) {
            System.out.println("[sim] " + bug + " caught after " + s.seedsRun + " seed(s): seed " + caught.seed + " step "
                    + caught.step + " invariant " + caught.invariant + " (" + coreHalts + " earlier seeds halted the core)\n"
                    + (replay ? caught.getMessage() : caught.getMessage().lines().limit(3).reduce("", (a, b) -> a + b + "\n")));
            return;
        }
        if (!replay) {
            fail(bug + " went undetected by the simulator's checks over " + s.seedsRun + " seeds (" + coreHalts
                    + " seeds halted the core itself)");
        }
    }
}
