package io.zaps.connector.email;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny real SMTP server on 127.0.0.1 that answers with scripted replies, for the rejections a
 * well-behaved test server will not give: e.g. {@code 550} or {@code 451} to {@code RCPT TO}.
 * Commands without a scripted reply get a plain success. It offers neither STARTTLS nor AUTH.
 */
final class ScriptedSmtpServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Map<String, String> replies;
    private final String greeting;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /**
     * @param greeting the first line sent, or null to send nothing (a server that hangs)
     * @param replies  reply per command verb (upper case, e.g. {@code RCPT}), e.g. {@code "550 5.1.1 no such user"}
     */
    ScriptedSmtpServer(String greeting, Map<String, String> replies) throws IOException {
        this.socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.greeting = greeting;
        this.replies = replies;
        this.acceptor = new Thread(this::accept, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    List<String> commands() {
        return List.copyOf(commands);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                converse(client);
            } catch (IOException e) {
                // client went away or server closed: wait for the next one
            }
        }
    }

    private void converse(Socket client) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = client.getOutputStream();
        if (greeting == null) {
            in.readLine(); // hang until the client gives up
            return;
        }
        send(out, greeting);
        String line;
        while ((line = in.readLine()) != null) {
            commands.add(line);
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            String scripted = replies.get(verb);
            switch (verb) {
                case "EHLO" -> send(out, scripted != null ? scripted : "250-tiny.test\r\n250 8BITMIME");
                case "DATA" -> {
                    if (scripted != null) {
                        send(out, scripted);
                        break;
                    }
                    send(out, "354 go ahead");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        // the message itself is not kept
                    }
                    send(out, replies.getOrDefault(".", "250 2.0.0 queued"));
                }
                case "QUIT" -> {
                    send(out, "221 bye");
                    return;
                }
                default -> send(out, scripted != null ? scripted : "250 OK");
            }
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
