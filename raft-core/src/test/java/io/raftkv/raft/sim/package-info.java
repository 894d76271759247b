/**
 * A deterministic simulator for the Raft core, and the JUnit suites that run it.
 *
 * <p>One {@code long} seed decides everything about a run ({@link io.raftkv.raft.sim.Scenario}): cluster
 * size (odd seeds 3 nodes, even seeds 5), core features and limits, network loss, duplication and delay,
 * the fault profile, and every random choice of the {@link io.raftkv.raft.sim.Simulator} and of each node.
 * There are no threads and no clocks. Each step performs one {@link io.raftkv.raft.sim.Action} (deliver,
 * tick, propose, read, finish a persist, crash, restart, partition, heal, membership change, transfer,
 * snapshot, campaign); the {@link io.raftkv.raft.sim.Nemesis} also strikes right after elections and
 * commits. The {@link io.raftkv.raft.sim.Checker} verifies election safety, log matching, leader
 * completeness, state-machine safety (entries and snapshot images), configuration agreement, the Ready
 * contract and linearizable ReadIndex reads on every event; {@link io.raftkv.raft.sim.Liveness} checks
 * that a healed cluster elects a leader and commits within a bounded number of ticks.
 *
 * <p>Running:
 * <pre>
 *   ./mvnw -pl raft-core test -Dtest=SimulationTest                       # seeds 1..500, 2000 steps each
 *   ./mvnw -pl raft-core test -Dtest=SimulationTest -Dsim.seeds=20000     # soak
 *   ./mvnw -pl raft-core test -Dtest=SimulationTest -Dsim.seed=N          # replay one seed (add -Dsim.steps
 *                                                                          # if the failure printed it)
 *   ... -Dsim.trace=400    keep more events for the failure report
 *   ... -Dsim.verbose=true print every run's scenario, statistics and fingerprint
 *   ./mvnw -pl raft-core test -Dtest=NegativeControlTest -Dsim.all=true   # detection rate of each bug
 * </pre>
 */
package io.raftkv.raft.sim;
