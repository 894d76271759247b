package io.raftkv.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.raftkv.storage.AuthOp;
import io.raftkv.storage.AuthState;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.KeyRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the gate costs per call with auth enabled (token verification and the permission check), and what a
 * password hash costs. On request only (timings, no assertions):
 * {@code ./mvnw -o -q -pl server -am test -Dtest=AuthCostMeasurement -Dauth.cost=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * With auth disabled the gate is one volatile read of the auth store and a branch (nothing to measure).
 */
class AuthCostMeasurement {
    @Test
    void perCallCostOfTheGateAndOfAPasswordHash() {
        assumeTrue(Boolean.getBoolean("auth.cost"), "run with -Dauth.cost=true");
        AuthState s = AuthState.EMPTY;
        s = s.apply(new AuthOp.RoleAdd("r")).next();
        for (int i = 0; i < 20; i++) {
            s = s.apply(new AuthOp.RoleGrant("r", AuthState.Permission.prefix(AuthState.Access.READWRITE, Bytes.of("p" + i + "/")))).next();
        }
        s = s.apply(new AuthOp.UserAdd("u", null)).next().apply(new AuthOp.UserGrant("u", "r")).next();
        s = s.apply(new AuthOp.UserAdd("root", null)).next().apply(new AuthOp.UserGrant("root", "root")).next();
        s = s.apply(new AuthOp.Enable(Bytes.of("k".repeat(32)))).next();
        String token = Tokens.issue(s, "u", Long.MAX_VALUE);
        List<AuthChecker.Need> put = List.of(AuthChecker.Need.key(AuthState.Access.WRITE, Bytes.of("p7/key")));
        List<AuthChecker.Need> scan = List.of(AuthChecker.Need.range(AuthState.Access.READ,
                new KeyRange(Bytes.of("p3/"), Bytes.of("p3/z")), false));
        for (int round = 0; round < 3; round++) {
            int n = 200_000;
            long t0 = System.nanoTime();
            int ok = 0;
            for (int i = 0; i < n; i++) {
                if (Tokens.verify(token, s, 1) instanceof Tokens.Valid) {
                    ok++;
                }
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (AuthChecker.denial(s, "u", (i & 1) == 0 ? put : scan) == null) {
                    ok++;
                }
            }
            long t2 = System.nanoTime();
            System.out.printf("round %d: token verify %.2f us/call, permission check (20 grants) %.2f us/call (%d ok)%n",
                    round, (t1 - t0) / 1e3 / n, (t2 - t1) / 1e3 / n, ok);
        }
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            Passwords.hash("a password");
            System.out.printf("PBKDF2 hash %d: %d ms%n", i, (System.nanoTime() - t0) / 1_000_000);
        }
    }
}
