/**
 * A deterministic simulator for the Raft core, and the JUnit suites that run it.
 *
 * <p>One {@code long} seed decides everything about a run ({@link io.raftkv.raft.sim.Scenario}): cluster
 * size (odd seeds 3 nodes, even seeds 5), core features and limits, network loss, duplication, delay
 * (with a long tail), the fault profile, and every random choice of the {@link io.raftkv.raft.sim.Simulator}
 * and of each node. There are no threads and no clocks. Each step performs one
 * {@link io.raftkv.raft.sim.Action} (deliver, tick, propose, read, finish a persist, apply, crash, restart,
 * partition, heal, membership change, transfer, snapshot, campaign, wipe a disk); the
 * {@link io.raftkv.raft.sim.Nemesis} also strikes right after elections and commits. The driver models the
 * server: asynchronous persistence, a durable state machine applied asynchronously, crashes in the middle
 * of apply and of a snapshot install, snapshots reported out of band, members back with an empty disk
 * and refused by their peers. The {@link io.raftkv.raft.sim.Checker} verifies election safety, log
 * matching, commit safety, leader completeness, state-machine safety (entries and snapshot images),
 * configuration agreement, the Ready contract and linearizable ReadIndex reads on every event;
 * {@link io.raftkv.raft.sim.Liveness} checks that a healed cluster elects a leader and commits within a
 * bounded number of ticks. {@link io.raftkv.raft.sim.NegativeControlTest} proves the checks can fail: each
 * {@link io.raftkv.raft.sim.Control} is a deliberate bug that must be caught.
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
 *   ... -Dsim.control=NAME  one control only (with -Dsim.seed=N: replay its failure in full)
 * </pre>
 */
package io.raftkv.raft.sim;
