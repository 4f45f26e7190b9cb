package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.Credentials;
import cairn.capture.Mode;
import com.sun.net.httpserver.HttpServer;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/**
 * Run in a JVM of its own by {@link RecordingProxyHostHeaderTest}, since the JDK reads
 * {@code jdk.httpclient.allowRestrictedHeaders} once per JVM: starts an upstream that answers the {@code Host} header it
 * got, and a {@link RecordingProxy} in front of it, after setting that property {@code never}, {@code first} (before
 * anything used the JDK's HTTP client, as the {@code cairn} command does) or {@code late} (after the application used
 * the client); then sends one call with {@code Host: api.example.test:8080} through the proxy and prints
 * {@code STATUS:<status line or none>} and {@code BODY:<body>}.
 */
public final class HostHeaderProbe {
    static final String HOST = "api.example.test:8080";

    private HostHeaderProbe() {
    }

    public static void main(String[] args) throws Exception {
        String when = args[0];
        if (when.equals("first")) {
            System.setProperty(ProxyTesting.ALLOW_RESTRICTED_HEADERS, "host");
        } else if (when.equals("late")) {
            // The application used the JDK's HTTP client before it started the proxy.
            HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header("X-Used-Before", "yes");
            System.setProperty(ProxyTesting.ALLOW_RESTRICTED_HEADERS, "host");
        }
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        upstream.createContext("/", exchange -> {
            byte[] body = String.valueOf(exchange.getRequestHeaders().getFirst("Host"))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        AuditClient client = AuditClient.builder(URI.create("http://127.0.0.1:" + Moto.freePort()),
                        new Credentials("AKIAPROBE", "secret")).overflow(AuditClient.Overflow.DROP)
                .timeout(Duration.ofSeconds(1)).shutdownHook(false).build();
        RecordingProxy proxy = RecordingProxy.start(new InetSocketAddress("127.0.0.1", 0),
                URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()), ProxyTesting.recorder(1024),
                client, Mode.FAIL_OPEN, Duration.ofSeconds(5), Clock.systemUTC());
        String answer;
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /host HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        int end = answer.indexOf("\r\n");
        int body = answer.indexOf("\r\n\r\n");
        System.out.println("STATUS:" + (end < 0 ? "none" : answer.substring(0, end)));
        System.out.println("BODY:" + (body < 0 ? "" : answer.substring(body + 4)));
        System.out.flush();
        proxy.close();
        upstream.stop(0);
        Runtime.getRuntime().halt(0);
    }
}
