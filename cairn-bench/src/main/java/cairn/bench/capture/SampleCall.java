package cairn.bench.capture;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The call the capture benchmarks record: what a web or mobile client of an orders service sends behind a load
 * balancer, {@code POST /orders} with ten headers (among them a Bearer JWT of 667 characters, as an RS256 token
 * of an OpenID provider is, {@code X-Forwarded-For} and a W3C {@code traceparent}), a JSON body of 368 bytes
 * holding a {@code password} field the recorder must redact, and a JSON answer of 1,060 bytes (a write, so the
 * recorder parses it into {@code responseElements}).
 */
final class SampleCall {
    static final String METHOD = "POST";
    static final String PATH = "/orders";
    /** The load balancer in front of the service (a trusted proxy of the filter's recorder). */
    static final String PEER = "10.0.3.17";
    static final String CLIENT_ADDRESS = "203.0.113.42";

    static final byte[] REQUEST_BODY = ("{\"customerId\":\"cus_8H2kQ9LmZ\",\"items\":[{\"sku\":\"SKU-10023\","
            + "\"quantity\":2,\"unitPrice\":19.99},{\"sku\":\"SKU-20417\",\"quantity\":1,\"unitPrice\":149.0}],"
            + "\"shippingAddress\":{\"street\":\"12 Rue des Lilas\",\"city\":\"Lyon\",\"postalCode\":\"69003\","
            + "\"country\":\"FR\"},\"paymentMethod\":\"pm_card_visa_4242\",\"password\":\"correct horse battery "
            + "staple\",\"giftMessage\":\"Happy birthday!\",\"couponCode\":null}").getBytes(StandardCharsets.UTF_8);

    static final byte[] RESPONSE_BODY = response();

    static final String JWT = jwt();

    private SampleCall() {
    }

    /** The request headers as a client sends them (no Host or Content-Length: each transport adds its own). */
    static Map<String, String> requestHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", "orders-web/4.2.1 (Linux; Android 14) okhttp/4.12.0");
        headers.put("Accept", "application/json");
        headers.put("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8");
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.put("Authorization", "Bearer " + JWT);
        headers.put("X-Forwarded-For", CLIENT_ADDRESS);
        headers.put("X-Forwarded-Proto", "https");
        headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        return headers;
    }

    /** The response headers the service sets. */
    static Map<String, List<String>> responseHeaders() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Cache-Control", List.of("no-store"));
        headers.put("Location", List.of("/orders/ord_5Yq1x8Jk2M"));
        return headers;
    }

    private static byte[] response() {
        StringBuilder json = new StringBuilder("{\"orderId\":\"ord_5Yq1x8Jk2M\",\"status\":\"CREATED\","
                + "\"customerId\":\"cus_8H2kQ9LmZ\",\"items\":[");
        String[][] items = {{"SKU-10023", "Ceramic mug, 350 ml, speckled white", "2", "19.99"},
                {"SKU-20417", "Pour-over coffee kettle, gooseneck, 1 l", "1", "149.00"},
                {"SKU-30982", "Paper filters, size 02, pack of 100", "1", "0.00"}};
        for (int i = 0; i < items.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"lineId\":").append(i + 1).append(",\"sku\":\"")
                    .append(items[i][0]).append("\",\"description\":\"").append(items[i][1])
                    .append("\",\"quantity\":").append(items[i][2]).append(",\"unitPrice\":").append(items[i][3])
                    .append(",\"currency\":\"EUR\",\"warehouse\":\"LYS-2\",\"backordered\":false}");
        }
        json.append("],\"totals\":{\"subtotal\":188.98,\"shipping\":4.90,\"discount\":0.00,\"tax\":37.80,"
                + "\"total\":231.68,\"currency\":\"EUR\"},\"shippingAddress\":{\"street\":\"12 Rue des Lilas\","
                + "\"city\":\"Lyon\",\"postalCode\":\"69003\",\"country\":\"FR\"},\"payment\":{\"method\":"
                + "\"pm_card_visa_4242\",\"status\":\"AUTHORIZED\",\"authorizationId\":\"auth_3kP0sW7qRt\"},"
                + "\"createdAt\":\"2025-11-24T09:41:27.512Z\",\"estimatedDelivery\":\"2025-11-27\","
                + "\"links\":{\"self\":\"/orders/ord_5Yq1x8Jk2M\",\"cancel\":\"/orders/ord_5Yq1x8Jk2M/cancel\"}}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An RS256-shaped token (the signature is random bytes: recorders read the claims, never verify them). */
    private static String jwt() {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"2025-11-a\"}"
                .getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"iss\":\"https://auth.example.com/\",\"sub\":\"user-7f3a9c21\","
                + "\"aud\":\"orders-api\",\"iat\":1763977287,\"exp\":1763980887,\"scope\":\"orders:read "
                + "orders:write\",\"email\":\"ana.martin@example.com\",\"tenant\":\"acme-fr\"}")
                .getBytes(StandardCharsets.UTF_8));
        byte[] signature = new byte[256];
        new Random(42).nextBytes(signature);
        return header + "." + claims + "." + url.encodeToString(signature);
    }
}
