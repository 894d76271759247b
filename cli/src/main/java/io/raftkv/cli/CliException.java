package io.raftkv.cli;

/**
 * A result the user reads as one line on stderr with a chosen exit code. The codes, documented in
 * {@code raftkv --help} and the README: 0 success, 1 the operation failed, 2 bad input or usage (also when
 * the server rejects the input), 3 the answer is no (a missing key, a comparison that did not hold).
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NO = 3;

    private final int exitCode;
    /** Printed as {@code error: <message>}; a "no" answer prints without the prefix. */
    private final boolean error;

    private CliException(int exitCode, String message, boolean error) {
        super(message);
        this.exitCode = exitCode;
        this.error = error;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message, true);
    }

    static CliException failed(String message) {
        return new CliException(FAILED, message, true);
    }

    /** A definite negative answer, not an error: exit 3, the message without "error:". */
    static CliException no(String message) {
        return new CliException(NO, message, false);
    }

    int exitCode() {
        return exitCode;
    }

    /** The line for stderr. */
    String line() {
        return error ? "error: " + getMessage() : getMessage();
    }
}
