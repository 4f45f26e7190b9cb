package cairn.bench.capture;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Minimal hand-written servlet request and response, so that a JMH benchmark measures the filter's own cost in
 * microseconds rather than a container's (a real one costs tens of microseconds per call and varies more). They do
 * what a container does for a call that reads its body and writes a fixed-length answer: headers looked up by any
 * case, a body stream over bytes, a response that keeps its status, headers (Content-Type among them, as a container
 * shows it once the response is committed) and body. Everything else throws.
 */
final class ServletFakes {
    /**
     * What a fake answers when asked for something neither the filter nor the benchmark's servlet uses: these fakes
     * carry one measured call, not a servlet container.
     */
    static UnsupportedOperationException outsideTheBenchmark() {
        return new UnsupportedOperationException("the benchmark's servlet fakes implement only what the filter and "
                + "its servlet use");
    }

    private ServletFakes() {
    }

    /** A request as a container hands it to the first filter. Not thread-safe: one per call. */
    static final class Request implements HttpServletRequest {
        private final String method;
        private final String uri;
        private final String query;
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final List<String> headerNames = new ArrayList<>();
        private final byte[] body;
        private final String remoteAddress;
        private ServletInputStream stream;

        Request(String method, String uri, String query, Map<String, String> headers, byte[] body,
                String remoteAddress) {
            this.method = method;
            this.uri = uri;
            this.query = query;
            headers.forEach((name, value) -> {
                this.headers.put(name, List.of(value));
                headerNames.add(name);
            });
            this.body = body;
            this.remoteAddress = remoteAddress;
        }

        @Override
        public String getHeader(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.getFirst();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(headers.getOrDefault(name, List.of()));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(headerNames);
        }

        @Override
        public String getMethod() {
            return method;
        }

        @Override
        public String getRequestURI() {
            return uri;
        }

        @Override
        public String getQueryString() {
            return query;
        }

        @Override
        public String getRemoteAddr() {
            return remoteAddress;
        }

        @Override
        public Principal getUserPrincipal() {
            return null;
        }

        @Override
        public String getCharacterEncoding() {
            return "UTF-8";
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getContentType() {
            return getHeader("Content-Type");
        }

        @Override
        public ServletInputStream getInputStream() {
            if (stream == null) {
                stream = new ServletInputStream() {
                    private int position;

                    @Override
                    public int read() {
                        return position < body.length ? body[position++] & 0xff : -1;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) {
                        if (length == 0) {
                            return 0;
                        }
                        if (position >= body.length) {
                            return -1;
                        }
                        int count = Math.min(length, body.length - position);
                        System.arraycopy(body, position, buffer, offset, count);
                        position += count;
                        return count;
                    }

                    @Override
                    public boolean isFinished() {
                        return position >= body.length;
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        throw outsideTheBenchmark();
                    }
                };
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public Object getAttribute(String name) {
            return null;
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public String getScheme() {
            return "http";
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public String getAuthType() {
            return null;
        }

        @Override
        public String getContextPath() {
            return "";
        }

        @Override
        public String getServletPath() {
            return uri;
        }

        @Override
        public String getPathInfo() {
            return null;
        }

        // What neither the filter nor the benchmark's servlet uses.

        @Override
        public Cookie[] getCookies() {
            throw outsideTheBenchmark();
        }

        @Override
        public long getDateHeader(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public int getIntHeader(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public String getPathTranslated() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getRemoteUser() {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean isUserInRole(String role) {
            throw outsideTheBenchmark();
        }

        @Override
        public String getRequestedSessionId() {
            throw outsideTheBenchmark();
        }

        @Override
        public StringBuffer getRequestURL() {
            throw outsideTheBenchmark();
        }

        @Override
        public HttpSession getSession(boolean create) {
            throw outsideTheBenchmark();
        }

        @Override
        public HttpSession getSession() {
            throw outsideTheBenchmark();
        }

        @Override
        public String changeSessionId() {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean isRequestedSessionIdValid() {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean isRequestedSessionIdFromCookie() {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean isRequestedSessionIdFromURL() {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean authenticate(HttpServletResponse response) {
            throw outsideTheBenchmark();
        }

        @Override
        public void login(String username, String password) {
            throw outsideTheBenchmark();
        }

        @Override
        public void logout() {
            throw outsideTheBenchmark();
        }

        @Override
        public Collection<Part> getParts() {
            throw outsideTheBenchmark();
        }

        @Override
        public Part getPart(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) {
            throw outsideTheBenchmark();
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            throw outsideTheBenchmark();
        }

        @Override
        public void setCharacterEncoding(String encoding) {
            throw outsideTheBenchmark();
        }

        @Override
        public String getParameter(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public Enumeration<String> getParameterNames() {
            throw outsideTheBenchmark();
        }

        @Override
        public String[] getParameterValues(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getServerName() {
            throw outsideTheBenchmark();
        }

        @Override
        public int getServerPort() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getRemoteHost() {
            throw outsideTheBenchmark();
        }

        @Override
        public void setAttribute(String name, Object value) {
            throw outsideTheBenchmark();
        }

        @Override
        public void removeAttribute(String name) {
            throw outsideTheBenchmark();
        }

        @Override
        public Locale getLocale() {
            throw outsideTheBenchmark();
        }

        @Override
        public Enumeration<Locale> getLocales() {
            throw outsideTheBenchmark();
        }

        @Override
        public RequestDispatcher getRequestDispatcher(String path) {
            throw outsideTheBenchmark();
        }

        @Override
        public int getRemotePort() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getLocalName() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getLocalAddr() {
            throw outsideTheBenchmark();
        }

        @Override
        public int getLocalPort() {
            throw outsideTheBenchmark();
        }

        @Override
        public ServletContext getServletContext() {
            throw outsideTheBenchmark();
        }

        @Override
        public AsyncContext startAsync() {
            throw outsideTheBenchmark();
        }

        @Override
        public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
            throw outsideTheBenchmark();
        }

        @Override
        public boolean isAsyncStarted() {
            return false;
        }

        @Override
        public boolean isAsyncSupported() {
            return false;
        }

        @Override
        public AsyncContext getAsyncContext() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getRequestId() {
            throw outsideTheBenchmark();
        }

        @Override
        public String getProtocolRequestId() {
            throw outsideTheBenchmark();
        }

        @Override
        public ServletConnection getServletConnection() {
            throw outsideTheBenchmark();
        }
    }

    /** A response that keeps what the service sets and writes. Not thread-safe: one per call. */
    static final class Response implements HttpServletResponse {
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final List<String> headerNames = new ArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream(2048);
        private int status = 200;
        private ServletOutputStream stream;
        private boolean committed;

        byte[] body() {
            return body.toByteArray();
        }

        @Override
        public void setStatus(int status) {
            this.status = status;
        }

        @Override
        public int getStatus() {
            return status;
        }

        @Override
        public void setHeader(String name, String value) {
            if (headers.put(name, new ArrayList<>(List.of(value))) == null) {
                headerNames.add(name);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            List<String> values = headers.get(name);
            if (values == null) {
                setHeader(name, value);
            } else {
                values.add(value);
            }
        }

        @Override
        public String getHeader(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.getFirst();
        }

        @Override
        public Collection<String> getHeaders(String name) {
            return headers.getOrDefault(name, List.of());
        }

        @Override
        public Collection<String> getHeaderNames() {
            return headerNames;
        }

        @Override
        public boolean containsHeader(String name) {
            return headers.containsKey(name);
        }

        @Override
        public void setContentType(String type) {
            setHeader("Content-Type", type);
        }

        @Override
        public String getContentType() {
            return getHeader("Content-Type");
        }

        @Override
        public void setContentLength(int length) {
            setHeader("Content-Length", Integer.toString(length));
        }

        @Override
        public void setContentLengthLong(long length) {
            setHeader("Content-Length", Long.toString(length));
        }

        @Override
        public String getCharacterEncoding() {
            return "UTF-8";
        }

        @Override
        public ServletOutputStream getOutputStream() {
            if (stream == null) {
                stream = new ServletOutputStream() {
                    @Override
                    public void write(int b) {
                        committed = true;
                        body.write(b);
                    }

                    @Override
                    public void write(byte[] buffer, int offset, int length) {
                        committed = true;
                        body.write(buffer, offset, length);
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        throw outsideTheBenchmark();
                    }
                };
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() {
            return new PrintWriter(new java.io.OutputStreamWriter(getOutputStream(),
                    java.nio.charset.StandardCharsets.UTF_8), true);
        }

        @Override
        public void flushBuffer() {
            committed = true;
        }

        @Override
        public boolean isCommitted() {
            return committed;
        }

        @Override
        public void setCharacterEncoding(String encoding) {
            throw outsideTheBenchmark();
        }

        @Override
        public void setBufferSize(int size) {
            throw outsideTheBenchmark();
        }

        @Override
        public int getBufferSize() {
            return 8192;
        }

        @Override
        public void resetBuffer() {
            throw outsideTheBenchmark();
        }

        @Override
        public void reset() {
            throw outsideTheBenchmark();
        }

        @Override
        public void setLocale(Locale locale) {
            throw outsideTheBenchmark();
        }

        @Override
        public Locale getLocale() {
            throw outsideTheBenchmark();
        }

        @Override
        public void addCookie(Cookie cookie) {
            throw outsideTheBenchmark();
        }

        @Override
        public String encodeURL(String url) {
            throw outsideTheBenchmark();
        }

        @Override
        public String encodeRedirectURL(String url) {
            throw outsideTheBenchmark();
        }

        @Override
        public void sendError(int code, String message) {
            throw outsideTheBenchmark();
        }

        @Override
        public void sendError(int code) {
            throw outsideTheBenchmark();
        }

        @Override
        public void sendRedirect(String location, int code, boolean clearBuffer) {
            throw outsideTheBenchmark();
        }

        @Override
        public void setDateHeader(String name, long date) {
            throw outsideTheBenchmark();
        }

        @Override
        public void addDateHeader(String name, long date) {
            throw outsideTheBenchmark();
        }

        @Override
        public void setIntHeader(String name, int value) {
            throw outsideTheBenchmark();
        }

        @Override
        public void addIntHeader(String name, int value) {
            throw outsideTheBenchmark();
        }
    }
}
