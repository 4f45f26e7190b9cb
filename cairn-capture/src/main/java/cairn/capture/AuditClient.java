package cairn.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Sends CloudTrail records to Cairn's native endpoint ({@code POST /records}, SigV4-signed), in batches, from a
 * bounded in-memory queue drained by one sender thread. Every record carries an {@code eventID} (the recorders set
 * one), and Cairn stores an eventID once, so a batch sent again after a timeout or a restart creates no duplicate.
 *
 * <p>When Cairn is slow or down the {@link Overflow} policy decides: {@code SPILL} (the default) writes what cannot be
 * sent, or does not fit in the queue, to files and sends them when Cairn is back, also after the service restarts;
 * {@code BLOCK} makes the caller wait for room; {@code DROP} drops and counts. Failed sends are retried with capped
 * exponential backoff and jitter. {@link #close()}, also run at JVM shutdown, sends what is queued or spills it.
 * Thread-safe.
 */
public final class AuditClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditClient.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BAD_RECORD = Pattern.compile("^Record (\\d+): ");
    private static final byte[] OPEN = "{\"Records\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "]}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_BATCH = "{\"Records\":[]}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** What happens when Cairn cannot take records as fast as they come. */
    public enum Overflow {
        /** The caller waits for room in the queue; nothing is lost while the service runs. */
        BLOCK,
        /** Records that do not fit are dropped and counted. */
        DROP,
        /** Records that cannot be sent or do not fit go to files and are sent later; nothing is lost. */
        SPILL
    }

    private final URI endpoint;
    private final SigV4 signer;
    private final Overflow overflow;
    private final Optional<SpillFiles> spill;
    private final int batchRecords;
    private final int batchBytes;
    private final Duration lingering;
    private final Duration timeout;
    private final Duration maxBackoff;
    private final Clock clock;
    private final HttpClient http;
    private final BlockingQueue<Pending> queue;
    private final Thread sender;
    private final Thread shutdownHook;
    private final Object wake = new Object();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** Records taken and not yet sent, spilled or dropped (queued, stalled, or in a request). */
    private final AtomicLong outstanding = new AtomicLong();
    private volatile boolean closing;
    /** Whether Cairn answered the last request (false until it first does: a probe runs at once). */
    private volatile boolean reachable;
    private volatile long retryAtNanos;
    private int failures;
    private List<Pending> stalled = List.of();
    /** The batch being sent, so that a close that has to interrupt the sender can still spill it. */
    private volatile List<Pending> sending = List.of();

    /** A record waiting to be sent, and who waits for Cairn to accept it (none for fire-and-forget). */
    private static final class Pending {
        private Supplier<byte[]> maker;
        private byte[] record;
        private final Optional<CompletableFuture<Void>> accepted;

        Pending(byte[] record, Optional<CompletableFuture<Void>> accepted) {
            this.record = record;
            this.accepted = accepted;
        }

        Pending(Supplier<byte[]> maker) {
            this.maker = maker;
            this.accepted = Optional.empty();
        }

        /** The record's bytes, made on first need (on the sender thread, for a record given as a maker). */
        byte[] record() {
            if (record == null) {
                record = maker.get();
                maker = null;
            }
            return record;
        }

        Optional<CompletableFuture<Void>> accepted() {
            return accepted;
        }
    }

    private AuditClient(Builder builder) throws IOException {
        this.endpoint = builder.endpoint.resolve("/records");
        this.signer = new SigV4(requireNonNull(builder.credentials, "credentials are required"), builder.region,
                "cloudtrail");
        this.overflow = builder.overflow;
        this.spill = builder.overflow == Overflow.SPILL
                ? Optional.of(new SpillFiles(requireNonNull(builder.spillFolder, "a spill folder is required")))
                : Optional.empty();
        this.batchRecords = builder.batchRecords;
        this.batchBytes = builder.batchBytes;
        this.lingering = builder.lingering;
        this.timeout = builder.timeout;
        this.maxBackoff = builder.maxBackoff;
        this.clock = builder.clock;
        this.http = HttpClient.newBuilder().connectTimeout(builder.timeout).version(HttpClient.Version.HTTP_1_1)
                .build();
        this.queue = new ArrayBlockingQueue<>(builder.queueCapacity);
        this.sender = new Thread(this::run, "cairn-audit-sender");
        this.sender.setDaemon(true);
        this.shutdownHook = builder.shutdownHook ? new Thread(this::close, "cairn-audit-shutdown") : null;
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        sender.start();
    }

    public static Builder builder(URI endpoint, Credentials credentials) {
        return new Builder(endpoint, credentials);
    }

    /** Queues a record (a whole CloudTrail record, as JSON with an eventID) to be sent. */
    public void send(byte[] record) {
        enqueue(new Pending(record, Optional.empty()));
    }

    /**
     * Queues a record that the sender thread makes when it takes it, so that the caller's thread only hands over what
     * the record is made from (the recorders do this for fail-open calls with small bodies). {@code maker} must be
     * safe to run on another thread and must not fail; if it does, the record is lost and logged.
     */
    public void send(Supplier<byte[]> maker) {
        enqueue(new Pending(maker));
    }

    /**
     * Queues a record and answers when Cairn has durably accepted it, or fails at once when Cairn is known to be
     * unreachable, or when the send fails (the record itself is still spilled, dropped or retried as the policy says).
     */
    public CompletableFuture<Void> sendAndConfirm(byte[] record) {
        CompletableFuture<Void> accepted = new CompletableFuture<>();
        if (!reachable) {
            accepted.completeExceptionally(new IOException("Cairn is not reachable at " + endpoint));
        }
        enqueue(new Pending(record, Optional.of(accepted)));
        return accepted;
    }

    /** Whether the last request reached Cairn (false until one has: the client probes as it starts). */
    public boolean reachable() {
        return reachable;
    }

    /** Waits up to {@code timeout} until Cairn has answered (a send or the start-up probe); whether it has. */
    public boolean awaitReachable(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        retryAtNanos = 0;
        while (!reachable && System.nanoTime() < deadline) {
            synchronized (wake) {
                wake.notifyAll();
                wake.wait(5);
            }
        }
        return reachable;
    }

    public long sent() {
        return sent.get();
    }

    public long dropped() {
        return dropped.get();
    }

    public long spilled() {
        return spilled.get();
    }

    /** Records Cairn refused as malformed (logged, never retried). */
    public long rejected() {
        return rejected.get();
    }

    private void enqueue(Pending pending) {
        outstanding.incrementAndGet();
        if (closing) {
            // A call that finishes while the service shuts down: its record is kept if it can be.
            if (spill.isPresent()) {
                spillNow(List.of(pending));
            } else {
                dropped.incrementAndGet();
                outstanding.decrementAndGet();
                pending.accepted().ifPresent(future -> future.completeExceptionally(
                        new IOException("the audit client is closed; the record was dropped")));
            }
            return;
        }
        switch (overflow) {
            case BLOCK -> {
                try {
                    queue.put(pending);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    outstanding.decrementAndGet();
                    throw new IllegalStateException("interrupted while waiting for room in the audit queue", e);
                }
            }
            case DROP -> {
                if (!queue.offer(pending)) {
                    dropped.incrementAndGet();
                    outstanding.decrementAndGet();
                    pending.accepted().ifPresent(future -> future.completeExceptionally(
                            new IOException("the audit queue is full; the record was dropped")));
                }
            }
            case SPILL -> {
                if (!queue.offer(pending)) {
                    spillNow(List.of(pending));
                }
            }
        }
    }

    /**
     * Sends everything queued and spilled now, without waiting for a backoff to end, and waits up to
     * {@code timeout} for it; false when something is still unsent (Cairn down).
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        retryAtNanos = 0;
        wake();
        while (System.nanoTime() < deadline) {
            if (outstanding.get() == 0 && spill.map(SpillFiles::isEmpty).orElse(true)) {
                return true;
            }
            synchronized (wake) {
                wake.notifyAll();
                wake.wait(5);
            }
        }
        return false;
    }

    private void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        while (!closing || !queue.isEmpty()) {
            try {
                if (System.nanoTime() - retryAtNanos < 0 && !closing) {
                    synchronized (wake) {
                        wake.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - System.nanoTime())));
                    }
                    continue;
                }
                if (!stalled.isEmpty()) {
                    List<Pending> retry = stalled;
                    if (deliver(retry)) {
                        stalled = List.of();
                    }
                    sending = List.of();
                    continue;
                }
                if (spill.isPresent() && !spill.get().isEmpty() && !closing) {
                    Optional<SpillFiles.Batch> batch = spill.get().oldest();
                    if (batch.isPresent() && post(batch.get().records()).sent()) {
                        spill.get().delete(batch.get().sequence());
                        succeeded();
                    } else {
                        failed();
                        // Cairn is still down: what waits in memory goes to disk too, so a crash loses nothing.
                        List<Pending> waiting = new ArrayList<>();
                        queue.drainTo(waiting);
                        if (!waiting.isEmpty()) {
                            spillNow(waiting);
                        }
                    }
                    continue;
                }
                List<Pending> batch = take();
                if (batch.isEmpty()) {
                    if (!reachable && !closing) {
                        probe();
                    }
                    continue;
                }
                if (!deliver(batch)) {
                    if (overflow == Overflow.SPILL || closing) {
                        spillNow(batch);
                    } else {
                        stalled = batch;
                    }
                    sending = List.of();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "audit sender: " + e.getMessage(), e);
            }
        }
    }

    /** Up to a batch of queued records: waits for the first, then lingers a little for more. */
    private List<Pending> take() throws InterruptedException {
        Pending first = queue.poll(closing ? 0 : 50, TimeUnit.MILLISECONDS);
        while (first != null && !made(first)) {
            first = queue.poll();
        }
        if (first == null) {
            return List.of();
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int bytes = first.record().length;
        long until = System.nanoTime() + lingering.toNanos();
        while (batch.size() < batchRecords) {
            Pending next = queue.peek();
            if (next == null) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                synchronized (wake) {
                    wake.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                continue;
            }
            if (!made(next)) {
                queue.poll();
                continue;
            }
            if (bytes + next.record().length > batchBytes) {
                break;
            }
            batch.add(queue.poll());
            bytes += next.record().length;
        }
        sending = batch;
        return batch;
    }

    /** Makes a record given as a maker; false (it is dropped, counted and logged) when making it failed. */
    private boolean made(Pending pending) {
        try {
            pending.record();
            return true;
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            outstanding.decrementAndGet();
            LOG.log(Level.SEVERE, "an audit record could not be made; it is lost", e);
            return false;
        }
    }

    /** Sends the batch; completes its waiters; false when Cairn could not be reached (the batch is not sent). */
    private boolean deliver(List<Pending> batch) throws InterruptedException {
        Posted posted = post(batch.stream().map(Pending::record).toList());
        if (!posted.sent()) {
            failed();
            for (Pending pending : batch) {
                pending.accepted().ifPresent(future -> future.completeExceptionally(
                        new IOException("Cairn did not accept the record")));
            }
            return false;
        }
        succeeded();
        for (int i = 0; i < batch.size(); i++) {
            Optional<CompletableFuture<Void>> accepted = batch.get(i).accepted();
            if (accepted.isEmpty()) {
                continue;
            }
            if (posted.rejected().contains(i)) {
                accepted.get().completeExceptionally(new IOException("Cairn refused the record as malformed"));
            } else {
                accepted.get().complete(null);
            }
        }
        outstanding.addAndGet(-batch.size());
        sending = List.of();
        return true;
    }

    private void spillNow(List<Pending> batch) {
        try {
            spill.orElseThrow().append(batch.stream().map(Pending::record).toList());
            spilled.addAndGet(batch.size());
        } catch (IOException | RuntimeException e) {
            dropped.addAndGet(batch.size());
            LOG.log(Level.SEVERE, "could not spill " + batch.size() + " audit record(s); they are lost", e);
        } finally {
            outstanding.addAndGet(-batch.size());
        }
        for (Pending pending : batch) {
            pending.accepted().ifPresent(future -> future.completeExceptionally(
                    new IOException("Cairn did not accept the record; it was spilled to be sent later")));
        }
    }

    /** How a post went: sent (Cairn answered), and the records it refused as malformed, by index. */
    private record Posted(boolean sent, java.util.Set<Integer> rejected) {
    }

    /**
     * Posts the records. Cairn refuses a whole batch for one malformed record: when its error names the record, that
     * one is dropped (logged, counted) and the rest posted again; when it does not, the batch is halved until the
     * record is found. So one bad record can hold the others back neither forever nor at all.
     */
    private Posted post(List<byte[]> records) throws InterruptedException {
        java.util.Set<Integer> rejected = new java.util.TreeSet<>();
        return postAll(records, 0, rejected) ? new Posted(true, rejected) : new Posted(false, rejected);
    }

    /** Posts {@code records} (the {@code base}th of the first call's onwards); false when Cairn was not reached. */
    private boolean postAll(List<byte[]> records, int base, java.util.Set<Integer> rejected)
            throws InterruptedException {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            indexes.add(base + i);
        }
        List<byte[]> remaining = new ArrayList<>(records);
        while (!remaining.isEmpty()) {
            HttpResponse<String> response = send(remaining);
            if (response == null) {
                return false;
            }
            if (response.statusCode() == 200) {
                sent.addAndGet(remaining.size());
                return true;
            }
            if (response.statusCode() != 400) {
                LOG.log(Level.WARNING, "Cairn did not take " + remaining.size() + " audit record(s): status "
                        + response.statusCode() + ": " + response.body());
                return false;
            }
            Optional<Integer> bad = badRecord(response).filter(index -> index < remaining.size());
            if (bad.isPresent()) {
                reject(remaining.remove((int) bad.get()), response.body());
                rejected.add(indexes.remove((int) bad.get()));
                continue;
            }
            if (remaining.size() == 1) {
                reject(remaining.removeFirst(), response.body());
                rejected.add(indexes.removeFirst());
                return true;
            }
            int half = remaining.size() / 2;
            List<byte[]> first = List.copyOf(remaining.subList(0, half));
            List<byte[]> second = List.copyOf(remaining.subList(half, remaining.size()));
            List<Integer> firstIndexes = List.copyOf(indexes.subList(0, half));
            List<Integer> secondIndexes = List.copyOf(indexes.subList(half, indexes.size()));
            return postSplit(first, firstIndexes, rejected) && postSplit(second, secondIndexes, rejected);
        }
        return true;
    }

    private boolean postSplit(List<byte[]> records, List<Integer> indexes, java.util.Set<Integer> rejected)
            throws InterruptedException {
        java.util.Set<Integer> local = new java.util.TreeSet<>();
        boolean sentAll = postAll(records, 0, local);
        local.forEach(index -> rejected.add(indexes.get(index)));
        return sentAll;
    }

    private void reject(byte[] record, String answer) {
        rejected.incrementAndGet();
        LOG.log(Level.WARNING, "Cairn refused an audit record as malformed; it is dropped (" + answer + "): "
                + new String(record, 0, Math.min(record.length, 300), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One POST of the records; null when Cairn could not be reached. */
    private HttpResponse<String> send(List<byte[]> records) throws InterruptedException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(OPEN);
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(records.get(i));
        }
        body.writeBytes(CLOSE);
        byte[] bytes = body.toByteArray();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        signer.sign(endpoint, bytes, clock.instant()).forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            LOG.log(Level.FINE, "audit records not sent: " + e);
            return null;
        }
    }

    /** The index of the record a 400 InvalidParameterException names ("Record N: ..."), if it names one. */
    private static Optional<Integer> badRecord(HttpResponse<String> response) {
        if (response.statusCode() != 400) {
            return Optional.empty();
        }
        try {
            JsonNode error = JSON.readTree(response.body());
            if (!error.path("__type").asText().equals("InvalidParameterException")) {
                return Optional.empty();
            }
            Matcher matcher = BAD_RECORD.matcher(error.path("message").asText());
            return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Asks Cairn whether it takes records, with an empty batch (refused as empty, but answered): the client starts
     * unreachable and probes at once, and again after each backoff while it has nothing to send, so that fail-closed
     * recorders refuse calls before they run while Cairn is down, and serve them again as soon as it is back.
     */
    private void probe() throws InterruptedException {
        Map<String, String> signed = signer.sign(endpoint, EMPTY_BATCH, clock.instant());
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(EMPTY_BATCH));
        signed.forEach(request::header);
        try {
            int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200 || status == 400) {
                succeeded();
                return;
            }
            LOG.log(Level.WARNING, "Cairn answered a probe with status " + status);
        } catch (IOException e) {
            LOG.log(Level.FINE, "Cairn is not reachable: " + e);
        }
        failed();
    }

    private void succeeded() {
        reachable = true;
        failures = 0;
    }

    /** Backoff before the next try: 250 ms doubling up to {@code maxBackoff}, with jitter. */
    private void failed() {
        reachable = false;
        failures++;
        long millis = Math.min(maxBackoff.toMillis(), 250L << Math.min(20, failures - 1));
        long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jittered);
    }

    /**
     * Stops taking records, sends what is queued (one try; with SPILL, what cannot be sent is spilled to be sent by
     * the next client on the same folder), and stops the sender. Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        wake();
        try {
            sender.join(timeout.toMillis() * 2 + 1000);
            if (sender.isAlive()) {
                sender.interrupt();
                sender.join(1000);
            }
            List<Pending> left = new ArrayList<>(stalled);
            left.addAll(sending);
            queue.drainTo(left);
            if (!left.isEmpty()) {
                if (spill.isPresent()) {
                    spillNow(left);
                } else {
                    dropped.addAndGet(left.size());
                    outstanding.addAndGet(-left.size());
                    LOG.warning(left.size() + " audit record(s) could not be sent before closing and are lost");
                }
            }
            if (spill.isPresent()) {
                spill.get().close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not close the spill files", e);
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // Shutting down already.
            }
        }
    }

    /** How to build an {@link AuditClient}; every setting has a default but the endpoint and credentials. */
    public static final class Builder {
        private final URI endpoint;
        private final Credentials credentials;
        private String region = "us-east-1";
        private Overflow overflow = Overflow.SPILL;
        private Path spillFolder = Path.of("cairn-spill");
        private int queueCapacity = 10_000;
        private int batchRecords = 500;
        private int batchBytes = 512 * 1024;
        private Duration lingering = Duration.ofMillis(20);
        private Duration timeout = Duration.ofSeconds(10);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private boolean shutdownHook = true;

        private Builder(URI endpoint, Credentials credentials) {
            this.endpoint = requireNonNull(endpoint, "endpoint is null");
            this.credentials = requireNonNull(credentials, "credentials is null");
        }

        /** The region requests are signed for (one Cairn serves); default us-east-1. */
        public Builder region(String region) {
            this.region = requireNonNull(region, "region is null");
            return this;
        }

        public Builder overflow(Overflow overflow) {
            this.overflow = requireNonNull(overflow, "overflow is null");
            return this;
        }

        /** Where SPILL keeps what it cannot send (default {@code ./cairn-spill}); one client per folder. */
        public Builder spillFolder(Path folder) {
            this.spillFolder = requireNonNull(folder, "folder is null");
            return this;
        }

        public Builder queueCapacity(int records) {
            this.queueCapacity = positive(records, "queue capacity");
            return this;
        }

        /** The most records, and bytes, one request carries (defaults 500 and 512 KB). */
        public Builder batch(int records, int bytes) {
            this.batchRecords = positive(records, "batch records");
            this.batchBytes = positive(bytes, "batch bytes");
            return this;
        }

        /** How long the sender waits for more records to fill a batch (default 20 ms). */
        public Builder lingering(Duration lingering) {
            this.lingering = requireNonNull(lingering, "lingering is null");
            return this;
        }

        /** The timeout of one request (default 10 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout is null");
            return this;
        }

        /** The longest pause between tries while Cairn is unreachable (default 30 s). */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = requireNonNull(maxBackoff, "maxBackoff is null");
            return this;
        }

        /** The clock requests are signed with. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        /** Whether a JVM shutdown closes the client (sending or spilling what is queued); default true. */
        public Builder shutdownHook(boolean on) {
            this.shutdownHook = on;
            return this;
        }

        public AuditClient build() throws IOException {
            return new AuditClient(this);
        }

        private static int positive(int value, String what) {
            if (value < 1) {
                throw new IllegalArgumentException(what + " must be at least 1, not " + value);
            }
            return value;
        }
    }
}
