package io.raftkv.server;

import io.raftkv.storage.AuthState;
import io.raftkv.storage.Bytes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Arrays;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashing with the JDK's PBKDF2-HMAC-SHA256: a random 16-byte salt per user and the iteration count
 * stored with the hash, so the count can be raised for new passwords without breaking old ones. Hashing
 * happens on the node that receives a password, before anything is proposed: the log, snapshots and backups
 * hold only hashes. Slow on purpose (about 50-100 ms a verify on this project's 2-core machines), so it
 * runs only on {@link Authenticator}'s bounded threads, never on a gRPC event loop.
 */
final class Passwords {
    /** 250,000 iterations: 50-60 ms per hash once warm here (2 shared cores, JDK 17), more under load (AuthCostMeasurement). */
    static final int ITERATIONS = 250_000;
    static final int MAX_PASSWORD_CHARS = 1024;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when the user does not exist, so that an unknown name costs as long as a wrong password. */
    private static final AuthState.PasswordHash DUMMY = new AuthState.PasswordHash(ITERATIONS, Bytes.copyOf(new byte[SALT_BYTES]),
            Bytes.copyOf(new byte[HASH_BITS / 8]));

    private Passwords() {
    }

    static AuthState.PasswordHash hash(String password) {
        check(password);
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new AuthState.PasswordHash(ITERATIONS, Bytes.copyOf(salt), Bytes.copyOf(derive(password, salt, ITERATIONS)));
    }

    /** Whether {@code password} matches {@code stored}; a null {@code stored} (no such user, no password) never does. */
    static boolean verify(String password, AuthState.PasswordHash stored) {
        AuthState.PasswordHash h = stored == null ? DUMMY : stored;
        byte[] got = derive(password, h.salt().toByteArray(), h.iterations());
        return MessageDigest.isEqual(got, h.hash().toByteArray()) && stored != null;
    }

    static void check(String password) {
        if (password.isEmpty() || password.length() > MAX_PASSWORD_CHARS) {
            throw NodeException.invalid("max-password-chars", MAX_PASSWORD_CHARS, password.length(),
                    "a password must have 1.." + MAX_PASSWORD_CHARS + " characters, got " + password.length());
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret((KeySpec) spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }
}
