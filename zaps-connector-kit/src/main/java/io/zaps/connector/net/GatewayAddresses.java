package io.zaps.connector.net;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Zaps' own API gateway listens, so that connectors never call it: a step calling the gateway
 * would act with the gateway's trust (from loopback, without API keys set, it could create and
 * trigger workflows, read runs). Each entry is {@code host:port}; the host {@code *} means this
 * machine: its loopback addresses and every address of its network interfaces (the all-in-one
 * launcher, a gateway bound to 0.0.0.0). A named host is resolved when a target is checked (e.g.
 * {@code api-gateway:8080} in docker compose).
 */
public final class GatewayAddresses {
    public static final GatewayAddresses NONE = new GatewayAddresses(List.of(), "");

    private static final Pattern ENTRY = Pattern.compile("(\\*|\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):(\\d{1,5})");

    private record Entry(String host, int port, String text) {
        boolean thisMachine() {
            return host.equals("*");
        }
    }

    private final List<Entry> entries;
    private final String settings;

    private GatewayAddresses(List<Entry> entries, String settings) {
        this.entries = entries;
        this.settings = settings;
    }

    /**
     * @param entries  {@code host:port} entries; blank ones are skipped
     * @param settings the configuration prefix of {@code gateway-addresses} and {@code allow-gateway-calls}
     *                 (e.g. {@code zaps.connector}), named in refusals
     * @throws IllegalArgumentException naming the first entry that is not {@code host:port}
     */
    public static GatewayAddresses parse(List<String> entries, String settings) {
        List<Entry> parsed = new ArrayList<>();
        for (String entry : entries) {
            String text = entry == null ? "" : entry.trim();
            if (text.isEmpty()) {
                continue;
            }
            Matcher m = ENTRY.matcher(text);
            int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(settings + ".gateway-addresses: '" + entry + "' is not host:port (e.g. api-gateway:8080, or *:8080 for"
                        + " every address of this machine)");
            }
            String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
            parsed.add(new Entry(host, port, text));
        }
        return parsed.isEmpty() ? NONE : new GatewayAddresses(List.copyOf(parsed), settings);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Why a connection to {@code address} on {@code port} would reach the gateway, or null when it would not. */
    String refusal(InetAddress address, int port, OutboundAddressPolicy.Resolver resolver) {
        for (Entry entry : entries) {
            if (entry.port() == port && (entry.thisMachine() ? isThisMachine(address) : resolvesTo(entry.host(), address, resolver))) {
                return "Zaps' own API gateway (" + entry.text() + " in " + settings + ".gateway-addresses; "
                        + settings + ".allow-gateway-calls=true permits it)";
            }
        }
        return null;
    }

    private static boolean isThisMachine(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static boolean resolvesTo(String host, InetAddress address, OutboundAddressPolicy.Resolver resolver) {
        try {
            for (InetAddress gateway : resolver.resolve(host)) {
                if (gateway.equals(address)) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            // A gateway name that does not resolve (not started yet) cannot be where the target resolved to.
        }
        return false;
    }

    @Override
    public String toString() {
        return entries.stream().map(Entry::text).toList().toString();
    }
}
