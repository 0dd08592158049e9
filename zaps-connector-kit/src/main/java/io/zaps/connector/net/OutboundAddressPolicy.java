package io.zaps.connector.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SSRF guard every connector that reaches out uses (webhook calls, document downloads):
 * decides whether it may connect to a host, before it does.
 * A host is refused when ANY address it resolves to is denied, so that a name with one public and
 * one internal address cannot slip through.
 *
 * <p>Always denied: link-local (169.254.0.0/16 with the cloud metadata address 169.254.169.254,
 * fe80::/10), the other metadata addresses (fd00:ec2::254, 100.100.100.200), "this network"
 * (0.0.0.0/8, ::), and multicast. Also denied: the configured blocks, and with
 * {@code denyPrivateNetworks} loopback and private ranges (left open by default because local
 * development and tests call 127.0.0.1). IPv4 addresses embedded in IPv6 (mapped, compatible,
 * NAT64, 6to4) are checked as the IPv4 address they carry. {@link #check(URI)} also refuses
 * Zaps' own API gateway ({@link GatewayAddresses}, see {@link #refusingGateway}).
 *
 * <p>Known limit: the HTTP client resolves the name again when it connects; a DNS server that
 * answers differently the second time (rebinding) is not caught here.
 */
public final class OutboundAddressPolicy {
    private static final List<Cidr> ALWAYS_DENIED = blocks(
            "169.254.0.0/16", "fe80::/10", "fd00:ec2::254", "100.100.100.200", "0.0.0.0/8");
    private static final List<Cidr> PRIVATE = blocks(
            "127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr IPV4_COMPATIBLE = Cidr.parse("::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    /** Resolves a host name to all its addresses; {@link InetAddress#getAllByName} in production. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** The target is not allowed; permanent. */
    public static final class DeniedTargetException extends Exception {
        public DeniedTargetException(String message) {
            super(message);
        }
    }

    private final List<Cidr> denied;
    private final boolean denyPrivateNetworks;
    private final Resolver resolver;
    private final String settings;
    private final GatewayAddresses gateway;

    /**
     * @param deniedCidrs         blocks denied on top of the always-denied ones
     * @param denyPrivateNetworks whether loopback and private ranges are denied too
     * @param settings            the configuration prefix that set these, named in refusals (e.g. {@code zaps.webhook})
     * @param resolver            name resolution ({@link InetAddress#getAllByName} in production)
     */
    public OutboundAddressPolicy(List<String> deniedCidrs, boolean denyPrivateNetworks, String settings, Resolver resolver) {
        this(deniedCidrs.stream().map(Cidr::parse).toList(), denyPrivateNetworks, settings, resolver, GatewayAddresses.NONE);
    }

    private OutboundAddressPolicy(List<Cidr> denied, boolean denyPrivateNetworks, String settings, Resolver resolver, GatewayAddresses gateway) {
        this.denied = denied;
        this.denyPrivateNetworks = denyPrivateNetworks;
        this.settings = settings;
        this.resolver = resolver;
        this.gateway = gateway;
    }

    /** This policy, also refusing {@code gateway} in {@link #check(URI)}. */
    public OutboundAddressPolicy refusingGateway(GatewayAddresses gateway) {
        return new OutboundAddressPolicy(denied, denyPrivateNetworks, settings, resolver, gateway);
    }

    /** A policy resolving names with the system resolver. */
    public static OutboundAddressPolicy of(List<String> deniedCidrs, boolean denyPrivateNetworks, String settings) {
        return new OutboundAddressPolicy(deniedCidrs, denyPrivateNetworks, settings, InetAddress::getAllByName);
    }

    /**
     * Resolves {@code host} and checks every address.
     *
     * @throws UnknownHostException  when it does not resolve (may be temporary)
     * @throws DeniedTargetException when an address is denied, naming it and why
     */
    public List<InetAddress> check(String host) throws UnknownHostException, DeniedTargetException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses = resolver.resolve(bare);
        for (InetAddress address : addresses) {
            String reason = deniedBecause(address);
            if (reason != null) {
                String shown = address.getHostAddress().equals(bare) ? bare : bare + " (" + address.getHostAddress() + ")";
                throw new DeniedTargetException("outbound address denied: " + shown + " is " + reason);
            }
        }
        return Arrays.asList(addresses);
    }

    /**
     * {@link #check(String)} for the URL's host, and refuses Zaps' own API gateway on the URL's port
     * (default 80 for http, 443 for https).
     *
     * @throws UnknownHostException  when the host does not resolve (may be temporary)
     * @throws DeniedTargetException when an address is denied, naming it and why
     */
    public List<InetAddress> check(URI url) throws UnknownHostException, DeniedTargetException {
        String host = url.getHost();
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        List<InetAddress> addresses = check(host);
        if (gateway.isEmpty()) {
            return addresses;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        for (InetAddress address : addresses) {
            for (InetAddress candidate : withEmbeddedIpv4(address)) {
                String reason = gateway.refusal(candidate, port, resolver);
                if (reason != null) {
                    String shown = address.getHostAddress().equals(bare) ? host + ":" + port : host + ":" + port + " (" + address.getHostAddress() + ")";
                    throw new DeniedTargetException("outbound address denied: " + shown + " is " + reason);
                }
            }
        }
        return addresses;
    }

    /** Why {@code address} is denied, or null when it is allowed. */
    public String deniedBecause(InetAddress address) {
        for (InetAddress candidate : withEmbeddedIpv4(address)) {
            if (candidate.isAnyLocalAddress()) {
                return "the unspecified address";
            }
            if (candidate.isMulticastAddress()) {
                return "multicast";
            }
            for (Cidr block : ALWAYS_DENIED) {
                if (block.contains(candidate)) {
                    return "link-local or cloud metadata (" + block + ")";
                }
            }
            for (Cidr block : denied) {
                if (block.contains(candidate)) {
                    return "in the denied block " + block + " (" + settings + ".denied-cidrs)";
                }
            }
            if (denyPrivateNetworks) {
                if (candidate.isLoopbackAddress() || candidate.isSiteLocalAddress()) {
                    return "loopback or private (" + settings + ".deny-private-networks)";
                }
                for (Cidr block : PRIVATE) {
                    if (block.contains(candidate)) {
                        return "loopback or private " + block + " (" + settings + ".deny-private-networks)";
                    }
                }
            }
        }
        return null;
    }

    private static List<InetAddress> withEmbeddedIpv4(InetAddress address) {
        List<InetAddress> candidates = new ArrayList<>(List.of(address));
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            try {
                if (NAT64.contains(address) || (IPV4_COMPATIBLE.contains(address) && !address.isLoopbackAddress() && !address.isAnyLocalAddress())) {
                    candidates.add(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
                } else if (SIX_TO_FOUR.contains(address)) {
                    candidates.add(InetAddress.getByAddress(Arrays.copyOfRange(b, 2, 6)));
                }
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an IPv4 address", e);
            }
        }
        return candidates;
    }

    private static List<Cidr> blocks(String... cidrs) {
        return Arrays.stream(cidrs).map(Cidr::parse).toList();
    }
}
