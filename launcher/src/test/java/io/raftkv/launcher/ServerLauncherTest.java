package io.raftkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServerLauncherTest {
    /** A flag this JVM does not know would make every node the launcher starts exit at once. */
    @Test
    void theDefaultJvmOptionsStartThisJava() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ServerLauncher.currentJava().toString());
        cmd.addAll(ServerLauncher.DEFAULT_JVM_OPTIONS);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), "java " + ServerLauncher.DEFAULT_JVM_OPTIONS + " -version: " + out);
    }
}
