package io.zaps.connector.pdf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SSRF guard for {@code url} sources: a host is refused when ANY address it resolves to is
 * denied. Always denied: link-local with the cloud metadata address 169.254.169.254 (169.254/16,
 * fe80::/10), the other metadata addresses (fd00:ec2::254, 100.100.100.200), "this network",
 * unspecified and multicast; also the configured blocks, and with {@code denyPrivateNetworks}
 * loopback and private ranges. IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4) is checked
 * as IPv4.
 *
 * <p>A trimmed copy of connector-webhook's {@code OutboundAddressPolicy} (connectors depend on no
 * other connector); a fix there belongs here too. Same known limit: the HTTP client resolves the
 * name again when it connects (DNS rebinding is not caught).
 */
final class DownloadPolicy {
    private static final List<Cidr> ALWAYS_DENIED = blocks(
            "169.254.0.0/16", "fe80::/10", "fd00:ec2::254", "100.100.100.200", "0.0.0.0/8");
    private static final List<Cidr> PRIVATE = blocks(
            "127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fec0::/10");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr IPV4_COMPATIBLE = Cidr.parse("::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    /** Resolves a host name to all its addresses; {@link InetAddress#getAllByName} in production. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<Cidr> denied;
    private final boolean denyPrivateNetworks;
    private final Resolver resolver;

    DownloadPolicy(List<String> deniedCidrs, boolean denyPrivateNetworks, Resolver resolver) {
        this.denied = deniedCidrs.stream().map(Cidr::parse).toList();
        this.denyPrivateNetworks = denyPrivateNetworks;
        this.resolver = resolver;
    }

    /**
     * Resolves {@code host} and checks every address.
     *
     * @return null when allowed, else why not (naming the address)
     * @throws UnknownHostException when it does not resolve (may be temporary)
     */
    String deniedReason(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        for (InetAddress address : resolver.resolve(bare)) {
            String reason = deniedBecause(address);
            if (reason != null) {
                String shown = address.getHostAddress().equals(bare) ? bare : bare + " (" + address.getHostAddress() + ")";
                return "download address denied: " + shown + " is " + reason;
            }
        }
        return null;
    }

    String deniedBecause(InetAddress address) {
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
                    return "in the denied block " + block + " (zaps.pdf.denied-cidrs)";
                }
            }
            if (denyPrivateNetworks && (candidate.isLoopbackAddress() || candidate.isSiteLocalAddress()
                    || PRIVATE.stream().anyMatch(block -> block.contains(candidate)))) {
                return "loopback or private (zaps.pdf.deny-private-networks)";
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
