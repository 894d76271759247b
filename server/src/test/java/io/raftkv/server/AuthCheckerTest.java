package io.raftkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftkv.storage.AuthOp;
import io.raftkv.storage.AuthState;
import io.raftkv.storage.Bytes;
import io.raftkv.storage.KeyRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The authorization rule and the token format, without a cluster. */
class AuthCheckerTest {
    static AuthState state(AuthState.Permission... grants) {
        AuthState s = AuthState.EMPTY;
        s = s.apply(new AuthOp.RoleAdd("r")).next();
        for (AuthState.Permission p : grants) {
            s = s.apply(new AuthOp.RoleGrant("r", p)).next();
        }
        s = s.apply(new AuthOp.UserAdd("u", null)).next();
        s = s.apply(new AuthOp.UserGrant("u", "r")).next();
        s = s.apply(new AuthOp.UserAdd("root", null)).next();
        s = s.apply(new AuthOp.UserGrant("root", "root")).next();
        return s.apply(new AuthOp.Enable(Bytes.of("k".repeat(32)))).next();
    }

    static AuthState.Permission range(AuthState.Access a, String from, String to) {
        return new AuthState.Permission(a, new KeyRange(Bytes.of(from), to == null ? null : Bytes.of(to)), false);
    }

    static AuthChecker.Need read(String from, String to) {
        return AuthChecker.Need.range(AuthState.Access.READ, new KeyRange(Bytes.of(from), to == null ? null : Bytes.of(to)), false);
    }

    @Test
    void adjacentGrantsMergeAndAGapIsRefused() {
        AuthState s = state(range(AuthState.Access.READ, "a", "b"), range(AuthState.Access.READWRITE, "b", "c"),
                range(AuthState.Access.READ, "d", null));
        assertNull(AuthChecker.denial(s, "u", List.of(read("a", "c"))), "[a, b) + [b, c) cover [a, c)");
        assertNull(AuthChecker.denial(s, "u", List.of(read("d", null))), "to the end of keys");
        assertNull(AuthChecker.denial(s, "u", List.of(read("e", "f"))));
        String gap = AuthChecker.denial(s, "u", List.of(read("a", "e")));
        assertTrue(gap.startsWith("user \"u\" has no READ on [a, e) (role \"r\" grants READ on [a, b)"), gap);
        String write = AuthChecker.denial(s, "u", List.of(AuthChecker.Need.key(AuthState.Access.WRITE, Bytes.of("a1"))));
        assertEquals("user \"u\" has no WRITE on key \"a1\" (role \"r\" grants READWRITE on [b, c))", write);
        assertNull(AuthChecker.denial(s, "root", List.of(read("", null))), "root has everything");
        assertTrue(AuthChecker.adminDenial(s, "u", "Cluster/AddMember").contains("role \"root\""));
        assertNull(AuthChecker.adminDenial(s, "root", "Cluster/AddMember"));
    }

    @Test
    void aTamperedTokenOrOneFromAnotherKeyDoesNotVerify() {
        AuthState s = state();
        long now = 1_000_000;
        String t = Tokens.issue(s, "u", now + 1000);
        assertEquals(new Tokens.Valid("u", s.revision()), Tokens.verify(t, s, now));
        char[] c = t.toCharArray();
        c[5] = c[5] == 'A' ? 'B' : 'A';
        assertInstanceOf(Tokens.Invalid.class, Tokens.verify(new String(c), s, now));
        AuthState rekeyed = s.apply(new AuthOp.Disable()).next().apply(new AuthOp.Enable(Bytes.of("x".repeat(32)))).next();
        assertInstanceOf(Tokens.Invalid.class, Tokens.verify(t, rekeyed, now));
        assertInstanceOf(Tokens.Stale.class, Tokens.verify(t, s, now + 1000), "expired");
        assertInstanceOf(Tokens.Invalid.class, Tokens.verify("x".repeat(5000), s, now));
    }

    @Test
    void passwordsVerifyOnlyWithTheRightPasswordAndTheHashSaysNothing() {
        AuthState.PasswordHash h = Passwords.hash("correct horse");
        assertTrue(Passwords.verify("correct horse", h));
        assertEquals(false, Passwords.verify("correct horsE", h));
        assertEquals(false, Passwords.verify("correct horse", null));
        assertEquals(Passwords.ITERATIONS, h.iterations());
        assertEquals("PasswordHash[pbkdf2-sha256, " + Passwords.ITERATIONS + " iterations]", h.toString());
    }
}
