/**
 * The server jar's command line: {@code server} runs one node in the foreground; {@code backup status} and
 * {@code backup restore} read and restore backup files offline (they need the storage module). The client
 * commands, {@code backup save} and the local cluster launcher are the CLI module's ({@code io.raftkv.cli}),
 * a small jar built on the client library; {@code bin/raftkv} sends each command to its jar.
 *
 * <p>Conventions every command follows: exit 0 on success, 1 when the operation failed, 2 for bad input
 * (unknown flag, bad value, inconsistent configuration), never a stack trace for a user error. Results go to
 * stdout, diagnostics to stderr.
 *
 * <p>{@link io.raftkv.server.cli.Main} is the only public class: it is the runnable jar's main class.
 */
package io.raftkv.server.cli;
