/**
 * The {@code raftkv} command line: {@code server} runs one node in the foreground, {@code local ...}
 * starts and abuses a local cluster of separate JVM processes, and the client commands ({@code put},
 * {@code get}, {@code del}, {@code cas}, {@code scan}, {@code status}, {@code members},
 * {@code transfer}) talk to a cluster over the generated gRPC stubs; {@code backup save|status|restore}
 * saves, checks and restores backups ({@code BackupCommands}).
 *
 * <p>Conventions every command follows, because scripts, tests and the README depend on them:
 * exit 0 on success, 1 when the operation failed or found nothing ({@code error: <reason>} or
 * {@code (not found)} on one line), 2 for bad input (unknown flag, bad value, inconsistent
 * configuration), never a stack trace for a user error. Results go to stdout, diagnostics to stderr.
 *
 * <p>{@link io.raftkv.server.cli.Main} is the only public class: it is the runnable jar's main class.
 */
package io.raftkv.server.cli;
