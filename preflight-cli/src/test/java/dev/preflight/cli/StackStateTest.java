package dev.preflight.cli;

import dev.preflight.cli.stack.StackState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state file of {@code preflight up} without starting a stack: a live one is found, a stale one is ignored with one
 * line, a recycled pid is never taken for a process of the stack, {@code down} stops what a killed {@code up} left
 * running, and a second {@code up} on a running stack is refused in one line.
 */
class StackStateTest {

    private static StackState state(long upPid, long upStartedAt, List<StackState.Proc> procs) {
        return new StackState(upPid, upStartedAt, "key", "http://localhost:1", "http://localhost:2", "localhost:3",
                "/data", null, procs);
    }

    private static StackState.Proc proc(String name, ProcessHandle h) {
        return new StackState.Proc(name, h.pid(), StackState.startedAt(h), null);
    }

    /** A process that has already exited: its pid names no live process of ours. */
    private static ProcessHandle exited() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.toHandle();
    }

    @Test
    void aLiveStateIsFoundAndAStaleOneIsIgnoredWithOneLine(@TempDir Path out) throws Exception {
        StackState live = state(ProcessHandle.current().pid(), StackState.startedAt(ProcessHandle.current()), List.of());
        live.write(out);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(StackState.file(out)),
                "owner only: it holds the API key");
        List<String> notes = new ArrayList<>();
        assertEquals(Optional.of(live), StackState.running(out, notes::add));
        assertEquals(List.of(), notes);

        ProcessHandle gone = exited();
        state(gone.pid(), 1_000L, List.of()).write(out);
        assertEquals(Optional.empty(), StackState.running(out, notes::add));
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).contains("ignoring " + StackState.file(out)) && notes.get(0).contains("pid " + gone.pid()), notes.get(0));
    }

    @Test
    void aPidWithAnotherStartTimeIsNotTheRecordedProcess() {
        ProcessHandle self = ProcessHandle.current();
        StackState.Proc same = proc("me", self);
        StackState.Proc recycled = new StackState.Proc("me", self.pid(), StackState.startedAt(self) - 3_600_000L, null);
        assertTrue(same.handle().isPresent());
        assertTrue(recycled.handle().isEmpty(), "same pid, started an hour earlier: another process");
        // ...so stopping survivors never touches it (this JVM would not survive the test otherwise).
        assertEquals(List.of(), state(-1, 0, List.of(recycled)).stopSurvivors(java.time.Duration.ofSeconds(1)));
    }

    @Test
    void downStopsWhatAKilledUpLeftRunningAndRemovesTheFile(@TempDir Path out) throws Exception {
        Process leftover = new ProcessBuilder("sleep", "120").start();
        try {
            state(exited().pid(), 1_000L, List.of(proc("trainer-1", leftover.toHandle()))).write(out);
            PrintStream saved = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setOut(new PrintStream(captured, true));
            try {
                assertEquals(0, PreflightCli.execute("down", "--out", out.toString()));
            } finally {
                System.setOut(saved);
            }
            assertTrue(leftover.waitFor(10, TimeUnit.SECONDS), "the leftover was stopped");
            assertFalse(Files.exists(StackState.file(out)));
            assertTrue(captured.toString().contains("stopped what was left running: pids [" + leftover.pid() + "]"), captured.toString());
            assertEquals(0, PreflightCli.execute("down", "--out", out.toString()), "nothing to stop is not an error");
        } finally {
            leftover.destroyForcibly();
        }
    }

    @Test
    void aSecondUpOnARunningStackIsRefusedInOneLine(@TempDir Path out) throws Exception {
        state(ProcessHandle.current().pid(), StackState.startedAt(ProcessHandle.current()), List.of()).write(out);
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(1, PreflightCli.execute("up", "--out", out.toString()));
            assertEquals(2, PreflightCli.execute("up", "--out", out.toString(), "--trainers", "0"));
        } finally {
            System.setErr(saved);
        }
        String[] lines = captured.toString().trim().split("\n");
        assertEquals(2, lines.length, captured.toString());
        assertTrue(lines[0].startsWith("preflight: a stack is already running under " + out) && lines[0].contains("preflight down"), lines[0]);
        assertTrue(lines[1].contains("--trainers must be 1 to 12"), lines[1]);
    }

    @Test
    void aDatasetPathOutsideTheRunningStacksDataRootIsAUsageErrorNamingTheRoot(@TempDir Path out) throws Exception {
        state(ProcessHandle.current().pid(), StackState.startedAt(ProcessHandle.current()), List.of()).write(out);
        Path csv = Files.createTempFile("table", ".csv");
        Files.writeString(csv, "a,b,label\n1,2,x\n3,4,y\n");
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertEquals(2, PreflightCli.execute("run", "--out", out.toString(), "--dataset", csv.toString(), "--model", "mlp"));
        } finally {
            System.setErr(saved);
        }
        String message = captured.toString().trim();
        assertTrue(message.contains("is outside the data root of the running stack (/data)") && message.contains("--standalone")
                && !message.contains("\n"), message);
    }
}
