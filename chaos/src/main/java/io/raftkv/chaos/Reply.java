package io.raftkv.chaos;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/** What came back from a successful call. */
sealed interface Reply permits Reply.Done, Reply.Value, Reply.CasResult, Reply.Elements, Reply.Tokens {
    /** A write or add was applied. */
    record Done() implements Reply {
    }

    /** A read: {@code value} is null when the key was absent. */
    record Value(String value) implements Reply {
    }

    /**
     * A compare-and-set: whether it took effect, and on failure the value that failed the compare (null
     * when absent), which makes a failed CAS a read as well.
     */
    record CasResult(boolean succeeded, String observed) implements Reply {
    }

    /** A set read. */
    record Elements(Set<String> elements) implements Reply {
        public Elements {
            elements = Set.copyOf(Objects.requireNonNull(elements, "elements"));
        }
    }

    /** A counter read: its tokens in order, duplicates kept (a duplicate is what the counter check looks for). */
    record Tokens(List<String> tokens) implements Reply {
        public Tokens {
            tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
        }
    }

    Done DONE = new Done();
}
