package io.raftkv.server;

import io.raftkv.storage.AuthState;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.KeyRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The authorization rule, in one place: does this user's set of roles grant every access a request needs?
 * A need is covered when the grants of the needed access (READWRITE counts as both), merged, contain its
 * whole range (etcd's range permission cache merges intervals the same way): a scan that leaves the granted
 * range is refused, never cut short. The role {@code root} has every permission. Pure: no I/O, no clocks.
 */
final class AuthChecker {
    private AuthChecker() {
    }

    /** One access a request needs: on a single key ({@code key != null}) or a range. */
    record Need(AuthState.Access access, KeyRange range, String what) {
        static Need key(AuthState.Access access, Bytes key) {
            return new Need(access, KeyRange.single(key), "key " + key);
        }

        static Need range(AuthState.Access access, KeyRange range, boolean prefix) {
            return new Need(access, range, AuthState.Permission.describe(range, prefix));
        }
    }

    /** Null when {@code user} may do everything {@code needs} says; otherwise the refusal, naming what is missing. */
    static String denial(AuthState state, String user, List<Need> needs) {
        AuthState.User u = state.users().get(user);
        if (u == null) {
            return "user \"" + user + "\" does not exist";
        }
        if (u.isRoot()) {
            return null;
        }
        for (Need n : needs) {
            List<Grant> grants = grants(state, u, n.access());
            if (!covered(n.range(), grants)) {
                return "user \"" + user + "\" has no " + n.access() + " on " + n.what() + " (" + explain(u, grants) + ")";
            }
        }
        return null;
    }

    /** The refusal of an operation that needs the root role, or null for a root user. */
    static String adminDenial(AuthState state, String user, String operation) {
        AuthState.User u = state.users().get(user);
        if (u != null && u.isRoot()) {
            return null;
        }
        return "user \"" + user + "\" has no admin permission (role \"root\") needed for " + operation;
    }

    private record Grant(String role, AuthState.Permission permission) {
    }

    private static List<Grant> grants(AuthState state, AuthState.User u, AuthState.Access need) {
        List<Grant> out = new ArrayList<>();
        for (String roleName : u.roles()) {
            AuthState.Role role = state.roles().get(roleName);
            if (role == null) {
                continue;
            }
            for (AuthState.Permission p : role.permissions()) {
                if (p.access().covers(need)) {
                    out.add(new Grant(roleName, p));
                }
            }
        }
        return out;
    }

    /** Whether the union of the grants' ranges contains {@code need} entirely. */
    static boolean covered(KeyRange need, List<Grant> grants) {
        List<KeyRange> ranges = new ArrayList<>(grants.size());
        grants.forEach(g -> ranges.add(g.permission().range()));
        ranges.sort(Comparator.comparing(KeyRange::from));
        Bytes reached = need.from();
        for (KeyRange r : ranges) {
            if (r.from().compareTo(reached) > 0) {
                break; // a gap before this grant: `reached` is not granted
            }
            if (r.to() == null) {
                return true;
            }
            if (r.to().compareTo(reached) > 0) {
                reached = r.to();
            }
            if (need.to() != null && reached.compareTo(need.to()) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static String explain(AuthState.User u, List<Grant> grants) {
        if (u.roles().isEmpty()) {
            return "the user has no roles";
        }
        if (grants.isEmpty()) {
            return "no role of the user's (" + String.join(", ", u.roles()) + ") grants that access anywhere";
        }
        List<String> parts = new ArrayList<>();
        for (Grant g : grants.subList(0, Math.min(3, grants.size()))) {
            parts.add("role \"" + g.role() + "\" grants " + g.permission().access() + " on " + g.permission().describeRange());
        }
        return String.join("; ", parts) + (grants.size() > 3 ? "; and " + (grants.size() - 3) + " more" : "");
    }
}
