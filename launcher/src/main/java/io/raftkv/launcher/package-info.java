/**
 * The one local launcher of raftkv server processes: {@link io.raftkv.launcher.ServerLauncher} builds the
 * command that starts a node from the server's runnable jar, {@link io.raftkv.launcher.NodeProcess} starts it
 * (detached for {@code bin/raftkv local}, tied to the starting JVM for the chaos harness), records its pid and
 * stops, kills, pauses and resumes it by pid. JDK only, so the CLI jar stays small and the harness does not
 * inherit the CLI.
 */
package io.raftkv.launcher;
