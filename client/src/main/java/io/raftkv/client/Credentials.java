package io.raftkv.client;

import java.util.Objects;

/**
 * A user name and password for a cluster with auth enabled. The password is only ever sent to the cluster's
 * {@code Authenticate} call; {@link #toString()} never shows it (nor does the client log it).
 */
record Credentials(String user, String password) {
    Credentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty()) {
            throw new IllegalArgumentException("the user name must not be empty");
        }
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=<hidden>]";
    }
}
