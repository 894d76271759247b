package io.raftkv.chaos;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** results.json: the run's figures and verdicts, for CI and for comparing runs. */
final class ResultsJson {
    /** Operations shown per failing key: enough to see the anomaly, not the whole history again. */
    private static final int MAX_OPS_SHOWN = 40;

    private ResultsJson() {
    }

    static String render(RunResult r) {
        RunOptions o = r.options();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", r.verdict().name().toLowerCase(java.util.Locale.ROOT));
        m.put("linearizable", new Json.Raw(r.linearizability().verdict().json()));
        m.put("acknowledged_writes_lost", r.acknowledgedLost());
        m.put("increments_duplicated", r.duplicated());
        Map<String, Object> checks = new LinkedHashMap<>();
        r.checks().forEach((name, v) -> checks.put(name, new Json.Raw(v.json())));
        m.put("checks", checks);
        m.put("seed", o.seed());
        m.put("replay", o.replayCommand());
        m.put("started", Instant.ofEpochMilli(r.startedEpochMillis()).toString());
        m.put("run_ms", r.runMillis());

        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("backend", o.backend());
        opts.put("nodes", o.nodes());
        opts.put("nemeses", o.nemeses().stream().sorted().map(k -> k.label).toList());
        opts.put("time_ms", o.time().toMillis());
        opts.put("tick_ms", o.tick().toMillis());
        opts.put("election_ticks", o.electionTicks());
        opts.put("clients", o.clients());
        opts.put("rate", o.rate());
        opts.put("set_clients", o.setClients());
        opts.put("op_timeout_ms", o.opTimeout().toMillis());
        opts.put("unsafe_local_reads", o.unsafeLocalReads());
        opts.put("client", o.library().registerClient().label());
        opts.put("counter_clients", o.library().counterClients());
        opts.put("counter_rate", o.library().counterRate());
        opts.put("broken_sessions", o.library().brokenSessions());
        opts.put("check_budget_ms", o.checkBudget().toMillis());
        m.put("options", opts);

        m.put("ops", Stats.counts(r.ops()));
        m.put("ops_total", r.ops().size());
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("all", latency(Stats.latency(r.ops())));
        Stats.latencyByFn(r.ops()).forEach((fn, l) -> lat.put(fn, latency(l)));
        m.put("latency_ms", lat);

        Map<String, Object> avail = new LinkedHashMap<>();
        avail.put("during_faults", availability(Stats.availability(r.ops(), r.windows(), true)));
        avail.put("outside_faults", availability(Stats.availability(r.ops(), r.windows(), false)));
        m.put("availability", avail);
        m.put("recovery_after_final_heal_ms", r.finalRecoveryMillis());

        List<Object> events = new ArrayList<>();
        Double worst = null;
        for (Stats.WindowStats w : Stats.windows(r.ops(), r.windows())) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", w.window().index());
            e.put("kind", w.window().kind().label);
            e.put("description", w.window().description());
            e.put("targets", w.window().targets());
            e.put("start_ms", w.window().startNanos() / 1e6);
            e.put("end_ms", w.window().endNanos() / 1e6);
            e.put("availability", availability(w.availability()));
            e.put("recovery_ms", w.recoveryMillis());
            if (w.recoveryMillis() != null && (worst == null || w.recoveryMillis() > worst)) {
                worst = w.recoveryMillis();
            }
            events.add(e);
        }
        m.put("nemesis", events);
        m.put("max_recovery_after_heal_ms", worst);

        LinearizabilityChecker.Result lin = r.linearizability();
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("valid", new Json.Raw(lin.verdict().json()));
        l.put("keys", lin.keys());
        l.put("operations", lin.operations());
        l.put("elapsed_ms", lin.elapsedMillis());
        List<Object> bad = new ArrayList<>();
        for (LinearizabilityChecker.KeyResult k : lin.invalid()) {
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("key", k.key());
            km.put("operations", k.operations());
            km.put("longest_linearizable_prefix_length", k.longestPrefix().size());
            km.put("state_after_prefix", k.stateAfterPrefix());
            List<Op> prefix = k.longestPrefix();
            km.put("prefix_tail", prefix.subList(Math.max(0, prefix.size() - MAX_OPS_SHOWN), prefix.size()).stream()
                    .map(Op::describe).toList());
            km.put("involved", k.involved().stream().limit(MAX_OPS_SHOWN).map(Op::describe).toList());
            bad.add(km);
        }
        l.put("invalid_keys", bad);
        l.put("unknown_keys", lin.unknown().stream().map(LinearizabilityChecker.KeyResult::key).toList());
        m.put("linearizability", l);

        List<Object> sets = new ArrayList<>();
        for (SetChecker.Result s : r.sets()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("set", s.set());
            sm.put("valid", new Json.Raw(s.verdict().json()));
            sm.put("attempted", s.attempted());
            sm.put("acknowledged", s.acknowledged());
            sm.put("failed", s.failed());
            sm.put("indeterminate", s.indeterminate());
            sm.put("final_read", s.finalRead());
            sm.put("final_size", s.finalSize());
            sm.put("lost", s.lost());
            sm.put("unexpected", s.unexpected());
            sm.put("indeterminate_present", s.indeterminatePresent().size());
            sets.add(sm);
        }
        m.put("sets", sets);
        m.put("counters", r.counters().stream().map(ResultsJson::counter).toList());
        if (r.injected() != null) {
            Map<String, Object> inj = new LinkedHashMap<>();
            inj.put("answers_lost", r.injected().answersLost());
            inj.put("retries_sent_outside_their_session", r.injected().retriesStripped());
            m.put("client_faults_injected", inj);
        }
        m.put("node_exits", r.nodeExits().stream().map(ResultsJson::exit).toList());
        m.put("returning_follower", r.returns().stream().map(ResultsJson::returned).toList());
        m.put("harness_errors", r.harnessErrors());
        m.put("node_commands", r.nodeCommands());
        return Json.pretty(m);
    }

    private static Map<String, Object> counter(CounterChecker.Result c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", c.key());
        m.put("valid", new Json.Raw(c.verdict().json()));
        m.put("attempted", c.attempted());
        m.put("acknowledged", c.acknowledged());
        m.put("failed", c.failed());
        m.put("indeterminate", c.indeterminate());
        m.put("final_read", c.finalRead());
        m.put("final_tokens", c.finalTokens());
        m.put("lost", c.lost());
        m.put("duplicated", c.duplicated());
        m.put("unexpected", c.unexpected());
        m.put("indeterminate_present", c.indeterminatePresent());
        return m;
    }

    private static Map<String, Object> exit(NodeExit e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", e.node());
        m.put("life", e.life());
        m.put("how", e.how());
        m.put("noticed", e.seen().toString());
        m.put("last_log_lines", e.lastLines());
        return m;
    }

    private static Map<String, Object> returned(ReturningFollower.Observation o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passed", o.passed());
        m.put("follower", o.follower());
        m.put("leader", o.leader());
        m.put("term_at_heal", o.term());
        m.put("lag_entries_at_heal", o.lagAtHeal());
        m.put("heal_at_ms", o.healAtMillis());
        m.put("window_ms", o.windowMillis());
        m.put("caught_up_after_ms", o.catchUpMillis());
        m.put("nodes_stayed_up", o.nodesStayedUp());
        m.put("nodes_down", o.nodesDown());
        m.put("leadership_kept", o.leadershipKept());
        m.put("leaders_seen", o.leadersSeen());
        m.put("max_term_seen", o.maxTerm());
        m.put("samples", o.samples());
        m.put("samples_without_a_leader", o.samplesWithoutLeader());
        m.put("leader_rss_peak_sampled_mib", o.leaderPeakRssKiB() / 1024.0);
        m.put("leader_rss_high_water_mib", o.leaderHighWaterKiB() / 1024.0);
        m.put("reads_ok", o.reads());
        m.put("reads_failed", o.readFailures());
        m.put("burst_writes", o.burstWrites());
        return m;
    }

    private static Map<String, Object> latency(Stats.Latency l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", l.count());
        m.put("p50", l.p50());
        m.put("p99", l.p99());
        m.put("max", l.max());
        return m;
    }

    private static Map<String, Object> availability(Stats.Availability a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attempted", a.attempted());
        m.put("ok", a.ok());
        m.put("ratio", a.ratio());
        return m;
    }
}
