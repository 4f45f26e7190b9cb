package cairn.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A hand-written stand-in for Cairn's {@code POST /records}, on the JDK's HTTP server: it keeps every batch it gets
 * and answers as the test says (200 by default), or holds batches until released. An empty batch (a client checking
 * that Cairn is there) is answered as Cairn does, 400 "The batch holds no records.", and is not kept with the batches.
 * Thread-safe.
 */
final class FakeCairn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived: its headers by lowercase name, and its body. */
    record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.getFirst();
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The eventIDs of the records of the batch, in order. */
        List<String> eventIds() {
            List<String> ids = new ArrayList<>();
            json().get("Records").forEach(record -> ids.add(record.get("eventID").asText()));
            return ids;
        }
    }

    /** An answer: a status and a JSON body. */
    record Answer(int status, String body) {
        static final Answer OK = new Answer(200, "{}");
    }

    /** Answers the batch of this index (0 for the first batch of records the fake got). */
    @FunctionalInterface
    interface Responder {
        Answer answer(int index, Request request) throws InterruptedException;
    }

    private static final Answer EMPTY_BATCH = new Answer(400,
            "{\"__type\":\"InvalidParameterException\",\"message\":\"The batch holds no records.\"}");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Responder responder = (index, request) -> Answer.OK;

    FakeCairn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void answer(Responder responder) {
        this.responder = responder;
    }

    /** Holds every batch (without answering) until {@link #release()}; then answers 200. */
    void hang() {
        responder = (index, request) -> {
            released.await();
            return Answer.OK;
        };
    }

    void release() {
        released.countDown();
    }

    /** The batches of records the fake got, in order (empty batches left out). */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every eventID the fake got, in order, resends included. */
    List<String> eventIds() {
        List<String> ids = new ArrayList<>();
        for (Request request : requests) {
            ids.addAll(request.eventIds());
        }
        return ids;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT),
                    List.copyOf(values)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers,
                    exchange.getRequestBody().readAllBytes());
            Answer answer;
            if (request.eventIds().isEmpty()) {
                answer = EMPTY_BATCH;
            } else {
                int index;
                synchronized (requests) {
                    index = requests.size();
                    requests.add(request);
                }
                try {
                    answer = responder.answer(index, request);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
