package io.zaps.connector.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pure: names resolve through a fixed table, literals never reach DNS. */
class OutboundAddressPolicyTest {
    private static final Map<String, List<String>> DNS = Map.of(
            "metadata.test", List.of("169.254.169.254"),
            "mixed.test", List.of("93.184.216.34", "10.1.2.3"),
            "public.test", List.of("93.184.216.34"),
            "api-gateway", List.of("172.18.0.5"),
            "gateway-alias.test", List.of("172.18.0.5"));

    private final OutboundAddressPolicy defaults = policy(List.of(), false);

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "100.100.100.200",
            "0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1",
            "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "::a9fe:a9fe", "2002:a9fe:a9fe::1"})
    void alwaysDeniesMetadataLinkLocalUnspecifiedAndMulticast(String address) {
        assertThatThrownBy(() -> defaults.check(address))
                .isInstanceOf(OutboundAddressPolicy.DeniedTargetException.class)
                .hasMessageStartingWith("outbound address denied: " + address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "172.16.0.1", "93.184.216.34", "2001:db8::1", "[::1]"})
    void allowsLoopbackPrivateAndPublicByDefault(String address) throws Exception {
        assertThat(defaults.check(address)).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.9.9.9", "::1", "10.0.0.1", "192.168.1.1", "172.31.0.1", "100.64.0.1", "fd12::1", "localhost"})
    void deniesLoopbackAndPrivateWhenAskedTo(String address) {
        OutboundAddressPolicy strict = policy(List.of(), true);

        assertThatThrownBy(() -> strict.check(address))
                .isInstanceOf(OutboundAddressPolicy.DeniedTargetException.class)
                .hasMessageContaining("deny-private-networks");
    }

    @Test
    void deniesConfiguredBlocksNamingThem() {
        OutboundAddressPolicy policy = policy(List.of("10.0.0.0/8", "2001:db8::/32"), false);

        assertThatThrownBy(() -> policy.check("10.20.30.40"))
                .hasMessage("outbound address denied: 10.20.30.40 is in the denied block 10.0.0.0/8 (zaps.webhook.denied-cidrs)");
        assertThatThrownBy(() -> policy.check("2001:db8::5")).hasMessageContaining("2001:db8::/32");
    }

    @Test
    void checksWhatANameResolvesTo() {
        assertThatThrownBy(() -> defaults.check("metadata.test"))
                .hasMessageStartingWith("outbound address denied: metadata.test (169.254.169.254) is link-local or cloud metadata");
    }

    @Test
    void deniesANameWhenAnyOfItsAddressesIsDenied() throws Exception {
        OutboundAddressPolicy policy = policy(List.of("10.0.0.0/8"), false);

        assertThat(policy.check("public.test")).hasSize(1);
        assertThatThrownBy(() -> policy.check("mixed.test")).hasMessageContaining("mixed.test (10.1.2.3)");
    }

    @Test
    void passesOnUnknownHosts() {
        assertThatThrownBy(() -> defaults.check("nowhere.test")).isInstanceOf(UnknownHostException.class);
    }

    @Test
    void rejectsABadConfiguredBlockAtOnce() {
        assertThatThrownBy(() -> policy(List.of("10.0.0.0/40"), false)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/api/workflows", "http://localhost:8080/", "http://127.0.0.2:8080/",
            "http://[::1]:8080/", "http://[::ffff:127.0.0.1]:8080/"})
    void refusesTheGatewayOnThisMachine(String url) {
        OutboundAddressPolicy policy = defaults.refusingGateway(GatewayAddresses.parse(List.of("*:8080"), "zaps.connector"));

        assertThatThrownBy(() -> policy.check(URI.create(url)))
                .isInstanceOf(OutboundAddressPolicy.DeniedTargetException.class)
                .hasMessageContaining(":8080")
                .hasMessageEndingWith("is Zaps' own API gateway (*:8080 in zaps.connector.gateway-addresses;"
                        + " zaps.connector.allow-gateway-calls=true permits it)");
    }

    @Test
    void refusesANamedGatewayWhereverItsNameResolves() throws Exception {
        OutboundAddressPolicy policy = defaults.refusingGateway(GatewayAddresses.parse(List.of(" api-gateway:8080 ", ""), "zaps.connector"));

        assertThatThrownBy(() -> policy.check(URI.create("http://gateway-alias.test:8080/api/workflows")))
                .hasMessageStartingWith("outbound address denied: gateway-alias.test:8080 (172.18.0.5) is Zaps' own API gateway (api-gateway:8080");
        assertThatThrownBy(() -> policy.check(URI.create("http://172.18.0.5:8080/"))).hasMessageContaining("own API gateway");
        assertThat(policy.check(URI.create("http://172.18.0.5:9090/"))).hasSize(1);
        assertThat(policy.check(URI.create("http://127.0.0.1:8080/"))).hasSize(1);
    }

    @Test
    void leavesOtherPortsOfThisMachineOpen() throws Exception {
        OutboundAddressPolicy policy = defaults.refusingGateway(GatewayAddresses.parse(List.of("*:8080"), "zaps.connector"));

        assertThat(policy.check(URI.create("http://127.0.0.1:8001/notify"))).hasSize(1);
        assertThat(policy.check(URI.create("http://localhost/"))).hasSize(1);
        assertThat(policy.check(URI.create("https://public.test/"))).hasSize(1);
        assertThat(OutboundAddressPolicy.of(List.of(), false, "zaps.webhook").check(URI.create("http://127.0.0.1:8080/"))).hasSize(1);
    }

    @Test
    void theGatewayOnTheDefaultPortOfTheScheme() {
        OutboundAddressPolicy policy = defaults.refusingGateway(GatewayAddresses.parse(List.of("*:80", "*:443"), "zaps.connector"));

        assertThatThrownBy(() -> policy.check(URI.create("http://localhost/api"))).hasMessageContaining("localhost:80 (127.0.0.1)");
        assertThatThrownBy(() -> policy.check(URI.create("https://localhost/api"))).hasMessageContaining("localhost:443 (127.0.0.1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", "api-gateway", "api-gateway:0", "api-gateway:70000", "http://api-gateway:8080", "::1:8080"})
    void rejectsAGatewayAddressThatIsNotHostAndPort(String entry) {
        assertThatThrownBy(() -> GatewayAddresses.parse(List.of(entry), "zaps.connector"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("zaps.connector.gateway-addresses: '" + entry + "' is not host:port");
    }

    private static OutboundAddressPolicy policy(List<String> denied, boolean denyPrivate) {
        return new OutboundAddressPolicy(denied, denyPrivate, "zaps.webhook", host -> {
            if (host.equals("localhost")) {
                return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
            }
            if (host.matches("[0-9a-fA-F:.]+") && (host.contains(":") || host.matches("[0-9.]+"))) {
                return new InetAddress[] {InetAddress.getByName(host)};
            }
            List<String> addresses = DNS.get(host);
            if (addresses == null) {
                throw new UnknownHostException(host);
            }
            InetAddress[] result = new InetAddress[addresses.size()];
            for (int i = 0; i < result.length; i++) {
                result[i] = InetAddress.getByAddress(host, InetAddress.getByName(addresses.get(i)).getAddress());
            }
            return result;
        });
    }
}
