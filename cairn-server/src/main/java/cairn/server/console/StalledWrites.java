package cairn.server.console;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * Cuts off answers whose readers stopped reading (a download or a live stream held open by a client that reads
 * nothing would keep its slot forever): a write to a {@link #watch watched} stream that has been blocked for longer
 * than the deadline, by the clock, has its thread interrupted, which closes the connection (an interrupt closes the
 * socket a virtual thread is blocked on); the write then fails.
 * <p>
 * A thread is interrupted only while it is inside such a write, under the same lock that marks the write's end, and
 * the end clears any interrupt that came with it: an interrupt must never reach the store's file channels, which it
 * would close for everyone. Thread-safe.
 */
final class StalledWrites implements AutoCloseable {
    private final Clock clock;
    private final Duration deadline;
    /** Threads inside a watched write, with when it began; guarded by itself for the interrupts. */
    private final Map<Thread, Instant> writing = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    StalledWrites(Clock clock, Duration deadline) {
        this.clock = requireNonNull(clock, "clock is null");
        this.deadline = requireNonNull(deadline, "deadline is null");
        this.watcher = Thread.ofVirtual().name("cairn-console-stalled-writes").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
                cutStalled();
            }
        });
    }

    /** Interrupts the writes blocked longer than the deadline. */
    void cutStalled() {
        Instant now = clock.instant();
        synchronized (writing) {
            writing.forEach((thread, since) -> {
                if (since.plus(deadline).isBefore(now)) {
                    thread.interrupt();
                }
            });
        }
    }

    /** How many threads are inside a watched write now. */
    int waiting() {
        return writing.size();
    }

    /** {@code out}, its writes and flushes watched. */
    OutputStream watch(OutputStream out) {
        requireNonNull(out, "out is null");
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                begin();
                try {
                    out.write(bytes, offset, length);
                } finally {
                    end();
                }
            }

            @Override
            public void flush() throws IOException {
                begin();
                try {
                    out.flush();
                } finally {
                    end();
                }
            }

            @Override
            public void close() throws IOException {
                begin();
                try {
                    out.close();
                } finally {
                    end();
                }
            }
        };
    }

    private void begin() {
        writing.put(Thread.currentThread(), clock.instant());
    }

    private void end() throws InterruptedIOException {
        boolean interrupted;
        synchronized (writing) {
            writing.remove(Thread.currentThread());
            interrupted = Thread.interrupted();
        }
        if (interrupted) {
            throw new InterruptedIOException("the reader stopped reading for more than " + deadline.toSeconds()
                    + " s: cut off");
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }
}
