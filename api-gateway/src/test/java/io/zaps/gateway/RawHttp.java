package io.zaps.gateway;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no client library would send as written: encoded or raw {@code /}, {@code \}
 * and NUL in the path, control characters in headers, CONNECT and TRACE. The request is sent byte for byte (ISO-8859-1)
 * with {@code Connection: close}, and the answer read to the end.
 */
public final class RawHttp {
    private RawHttp() {}

    public record Answer(int status, Map<String, String> headers, String body) {
        /** A header by case-insensitive name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String contentType() {
            String type = header("Content-Type");
            return type == null ? "" : type;
        }

        public JsonNode json() {
            return Json.mapper().readTree(body);
        }
    }

    /**
     * Sends {@code requestLine} (e.g. {@code GET /x HTTP/1.1}), the headers (each {@code Name: value}, sent as given) and
     * {@code body}; Host, Connection: close and, with a body, Content-Length are added.
     */
    public static Answer send(int port, String requestLine, Map<String, String> headers, String body) {
        StringBuilder request = new StringBuilder(requestLine).append("\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Connection: close\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            request.append("Content-Length: ").append(content.length).append("\r\n");
        }
        request.append("\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            return parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException(requestLine + " failed: " + e, e);
        }
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("no complete answer: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] unchunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new java.io.ByteArrayInputStream(chunked);
        try {
            while (true) {
                StringBuilder size = new StringBuilder();
                int c;
                while ((c = in.read()) != '\n') {
                    if (c < 0) {
                        return out.toByteArray();
                    }
                    if (c != '\r') {
                        size.append((char) c);
                    }
                }
                int length = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
                if (length == 0) {
                    return out.toByteArray();
                }
                out.write(in.readNBytes(length));
                in.readNBytes(2); // CRLF after the chunk
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
