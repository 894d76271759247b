package io.raftkv.server.cli;

/**
 * A failure the user should read as one line ({@code error: <message>}) with a chosen exit code: 1 when
 * the operation failed, 2 when the input was wrong. Anything else escaping a command is a bug.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int FAILED = 1;
    static final int USAGE = 2;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    static CliException failed(String message) {
        return new CliException(FAILED, message);
    }

    int exitCode() {
        return exitCode;
    }
}
