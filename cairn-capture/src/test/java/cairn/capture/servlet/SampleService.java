package cairn.capture.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small user service on embedded Tomcat (port 0), every call through the filter given:
 * <ul>
 *   <li>{@code POST /users} {"name":..., "password":...} → 201 {"id":"N","name":...} and a Location;</li>
 *   <li>{@code GET /users/N} → 200 {"id":"N","name":"user-N"} (written with the Writer, UTF-8);</li>
 *   <li>{@code DELETE /users/N} → 404 {"__type":"UserNotFound","message":"No user N"};</li>
 *   <li>{@code POST /users/batch} [{"name":...},...] → 201 [{"id":"N","name":...},...] (a JSON array);</li>
 *   <li>{@code POST /blobs} → 201 {"bytes":length of the body read};</li>
 *   <li>{@code GET /blobs/N} → 200, N bytes of {@link #blob(int)} (application/octet-stream);</li>
 *   <li>{@code GET /reports} → throws IllegalStateException("report store is down").</li>
 * </ul>
 * Counts the calls that reach the servlet. Thread-safe.
 */
final class SampleService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Tomcat tomcat;
    private final AtomicInteger invocations = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final int port;
    private boolean closed;

    SampleService(Path baseDir, Filter filter) throws LifecycleException {
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        Context context = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(context, "sample", new Servlet());
        context.addServletMappingDecoded("/*", "sample");
        if (filter != null) {
            FilterDef definition = new FilterDef();
            definition.setFilterName("audit");
            definition.setFilter(filter);
            context.addFilterDef(definition);
            FilterMap mapping = new FilterMap();
            mapping.setFilterName("audit");
            mapping.addURLPatternDecoded("/*");
            context.addFilterMap(mapping);
        }
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
    }

    /** How many calls reached the servlet. */
    int invocations() {
        return invocations.get();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).header("User-Agent", "sample-client/1.0");
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<byte[]> sendForBytes(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The bytes {@code GET /blobs/N} answers. */
    static byte[] blob(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    /** Stops Tomcat; idempotent. */
    @Override
    public synchronized void close() throws LifecycleException {
        if (!closed) {
            closed = true;
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private final class Servlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            invocations.incrementAndGet();
            String path = request.getRequestURI();
            String method = request.getMethod();
            String[] segments = path.substring(1).split("/");
            if (method.equals("POST") && path.equals("/users")) {
                JsonNode body = JSON.readTree(request.getInputStream());
                String id = Integer.toString(nextId.getAndIncrement());
                ObjectNode created = JSON.createObjectNode().put("id", id).put("name", body.path("name").asText());
                response.setStatus(201);
                response.setContentType("application/json");
                response.setHeader("Location", "/users/" + id);
                response.getOutputStream().write(JSON.writeValueAsBytes(created));
            } else if (method.equals("POST") && path.equals("/users/batch")) {
                var created = JSON.createArrayNode();
                for (JsonNode user : JSON.readTree(request.getInputStream())) {
                    created.addObject().put("id", Integer.toString(nextId.getAndIncrement()))
                            .put("name", user.path("name").asText());
                }
                response.setStatus(201);
                response.setContentType("application/json");
                response.getOutputStream().write(JSON.writeValueAsBytes(created));
            } else if (method.equals("GET") && segments.length == 2 && segments[0].equals("users")) {
                response.setContentType("application/json;charset=UTF-8");
                PrintWriter writer = response.getWriter();
                writer.print("{\"id\":\"" + segments[1] + "\",\"name\":\"user-" + segments[1] + " \u00e9\"}");
            } else if (method.equals("DELETE") && segments.length == 2 && segments[0].equals("users")) {
                response.setStatus(404);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"__type\":\"UserNotFound\",\"message\":\"No user " + segments[1]
                        + "\"}").getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("POST") && path.equals("/blobs")) {
                byte[] body = request.getInputStream().readAllBytes();
                response.setStatus(201);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"bytes\":" + body.length + "}").getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("GET") && segments.length == 2 && segments[0].equals("blobs")) {
                byte[] blob = blob(Integer.parseInt(segments[1]));
                response.setContentType("application/octet-stream");
                response.setContentLength(blob.length);
                for (int offset = 0; offset < blob.length; offset += 4096) {
                    response.getOutputStream().write(blob, offset, Math.min(4096, blob.length - offset));
                }
            } else if (method.equals("GET") && path.equals("/reports")) {
                throw new IllegalStateException("report store is down");
            } else {
                response.sendError(404);
            }
        }
    }
}
