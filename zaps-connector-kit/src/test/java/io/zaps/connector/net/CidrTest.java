package io.zaps.connector.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {

    @Test
    void matchesIpv4Blocks() throws Exception {
        Cidr block = Cidr.parse("10.0.0.0/8");

        assertThat(block.contains(ip("10.0.0.1"))).isTrue();
        assertThat(block.contains(ip("10.255.255.255"))).isTrue();
        assertThat(block.contains(ip("11.0.0.0"))).isFalse();
        assertThat(block.contains(ip("9.255.255.255"))).isFalse();
    }

    @Test
    void matchesPrefixesThatDoNotEndOnAByte() throws Exception {
        Cidr block = Cidr.parse("172.16.0.0/12");

        assertThat(block.contains(ip("172.16.0.1"))).isTrue();
        assertThat(block.contains(ip("172.31.255.255"))).isTrue();
        assertThat(block.contains(ip("172.32.0.0"))).isFalse();
        assertThat(block.contains(ip("172.15.255.255"))).isFalse();
    }

    @Test
    void ignoresHostBitsInTheNetworkAddress() throws Exception {
        assertThat(Cidr.parse("192.168.1.77/24").contains(ip("192.168.1.1"))).isTrue();
    }

    @Test
    void aBareAddressIsABlockOfOne() throws Exception {
        Cidr block = Cidr.parse("100.100.100.200");

        assertThat(block.contains(ip("100.100.100.200"))).isTrue();
        assertThat(block.contains(ip("100.100.100.201"))).isFalse();
    }

    @Test
    void zeroPrefixMatchesTheWholeFamily() throws Exception {
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("::1"))).isFalse();
    }

    @Test
    void matchesIpv6Blocks() throws Exception {
        Cidr block = Cidr.parse("fd00:ec2::/32");

        assertThat(block.contains(ip("fd00:ec2::254"))).isTrue();
        assertThat(block.contains(ip("fd00:ec3::254"))).isFalse();
        assertThat(block.contains(ip("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("fe80::/10").contains(ip("febf::1"))).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(ip("fec0::1"))).isFalse();
    }

    @Test
    void rejectsWhatIsNotABlockWithoutAskingDns() {
        assertThatThrownBy(() -> Cidr.parse("example.com/8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CIDR block");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length must be 0..32");
        assertThatThrownBy(() -> Cidr.parse("::/129")).hasMessageContaining("prefix length must be 0..128");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("bad prefix length");
        assertThatThrownBy(() -> Cidr.parse("300.0.0.0/8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }
}
