package io.raftkv.chaos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The exits a cluster's nodes made on their own, each life once. Backends note a node's exit whenever they
 * look (a poll, or just before they start the node again, so an exit cannot hide behind a quick restart).
 */
final class ExitLog {
    private final List<NodeExit> exits = new ArrayList<>();
    private final Set<String> lives = new HashSet<>();

    synchronized void note(Optional<NodeExit> exit) {
        exit.filter(e -> lives.add(e.node() + "/" + e.life())).ifPresent(exits::add);
    }

    synchronized List<NodeExit> all() {
        return List.copyOf(exits);
    }
}
