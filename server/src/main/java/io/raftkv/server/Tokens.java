package io.raftkv.server;

import io.raftkv.storage.AuthState;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tokens: {@code v1.<payload>.<HMAC-SHA256 of payload>} in base64url, the payload holding the user, the
 * auth revision it was issued at and its expiry (wall-clock millis). The HMAC key is the auth store's signing
 * key, made at {@code auth enable} and replicated, so every member verifies any member's tokens. A token
 * from an older auth revision, or an expired one, is stale (the client authenticates again); a token that
 * does not verify is refused.
 */
final class Tokens {
    /** No header longer than this is even decoded. */
    static final int MAX_TOKEN_CHARS = 1024;
    private static final String PREFIX = "v1.";
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();

    private Tokens() {
    }

    /** What a token says, once verified. */
    sealed interface Check {
    }

    record Valid(String user, long revision) implements Check {
    }

    /** Well signed but too old: expired, or from before the latest auth change. */
    record Stale(String why) implements Check {
    }

    record Invalid(String why) implements Check {
    }

    static String issue(AuthState state, String user, long expiresAtMillis) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(user);
            out.writeLong(state.revision());
            out.writeLong(expiresAtMillis);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] payload = bytes.toByteArray();
        return PREFIX + ENC.encodeToString(payload) + "." + ENC.encodeToString(mac(state, payload));
    }

    static Check verify(String token, AuthState state, long nowMillis) {
        if (token.length() > MAX_TOKEN_CHARS || !token.startsWith(PREFIX)) {
            return new Invalid("not a token this cluster issues");
        }
        int dot = token.indexOf('.', PREFIX.length());
        byte[] payload;
        byte[] sig;
        try {
            payload = DEC.decode(token.substring(PREFIX.length(), dot < 0 ? token.length() : dot));
            sig = dot < 0 ? new byte[0] : DEC.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return new Invalid("not a token this cluster issues");
        }
        if (!MessageDigest.isEqual(mac(state, payload), sig)) {
            return new Invalid("the token's signature does not verify (issued by another cluster, or before auth was "
                    + "last enabled)");
        }
        String user;
        long revision;
        long expires;
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            user = in.readUTF();
            revision = in.readLong();
            expires = in.readLong();
        } catch (IOException e) {
            return new Invalid("malformed token");
        }
        if (nowMillis >= expires) {
            return new Stale("the token of user \"" + user + "\" expired " + (nowMillis - expires) + " ms ago");
        }
        if (revision < state.revision()) {
            return new Stale("the token of user \"" + user + "\" was issued at auth revision " + revision
                    + ", before the latest change of users and roles (revision " + state.revision() + ")");
        }
        return new Valid(user, revision);
    }

    private static byte[] mac(AuthState state, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(state.signingKey().toByteArray(), "HmacSHA256"));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no HmacSHA256", e);
        }
    }
}
