#include "net/client_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace parlor::net {
namespace {

ip_address address(std::string_view text) {
    auto parsed = ip_address::parse(text);
    if (!parsed) throw std::invalid_argument(std::string(text));
    return *parsed;
}

address_range range(std::string_view text) {
    auto parsed = address_range::parse(text);
    if (!parsed) throw std::invalid_argument(std::string(text));
    return *parsed;
}

TEST(IpAddress, ParsesBothFamiliesAndNothingElse) {
    EXPECT_EQ(address("192.0.2.1").to_string(), "192.0.2.1");
    EXPECT_TRUE(address("192.0.2.1").is_v4());
    EXPECT_EQ(address("2001:DB8:0:0::1").to_string(), "2001:db8::1");
    EXPECT_FALSE(address("2001:db8::1").is_v4());
    for (const char* bad :
         {"", " 192.0.2.1", "192.0.2", "192.0.2.256", "0300.0.2.1", "1", "192.0.2.1:80",
          "[2001:db8::1]", "2001:db8::1%eth0", "unknown", "2001:db8:::1", "example.org"}) {
        EXPECT_FALSE(ip_address::parse(bad).has_value()) << bad;
    }
    EXPECT_FALSE(ip_address::parse(std::string_view("1.2.3.4\0", 8)).has_value());
}

TEST(IpAddress, AnIpv4MappedAddressIsTheIpv4Address) {
    auto mapped = address("::ffff:192.0.2.1");
    EXPECT_TRUE(mapped.is_v4());
    EXPECT_EQ(mapped, address("192.0.2.1"));
    EXPECT_EQ(mapped.to_string(), "192.0.2.1");
    EXPECT_EQ(mapped.client_key(), "192.0.2.1");
    std::array<std::uint8_t, 16> bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7};
    EXPECT_EQ(ip_address::v6(bytes), address("10.0.0.7"));
}

TEST(IpAddress, Ipv6ClientsAreGroupedByTheir64) {
    EXPECT_EQ(address("2001:db8:1:2:aaaa:bbbb:cccc:dddd").client_key(), "2001:db8:1:2::/64");
    EXPECT_EQ(address("2001:db8:1:2::1").client_key(),
              address("2001:db8:1:2:ffff::9").client_key());
    EXPECT_NE(address("2001:db8:1:2::1").client_key(), address("2001:db8:1:3::1").client_key());
    EXPECT_EQ(address("::1").client_key(), "::/64");
    // IPv4 clients are each their own.
    EXPECT_NE(address("192.0.2.1").client_key(), address("192.0.2.2").client_key());
}

TEST(AddressRange, MatchesItsPrefix) {
    auto tens = range("10.0.0.0/8");
    EXPECT_TRUE(tens.contains(address("10.255.1.2")));
    EXPECT_FALSE(tens.contains(address("11.0.0.1")));
    EXPECT_FALSE(tens.contains(address("::ffff:11.0.0.1")));
    EXPECT_TRUE(tens.contains(address("::ffff:10.0.0.1")));  // mapped is IPv4

    auto odd = range("192.168.0.0/23");
    EXPECT_TRUE(odd.contains(address("192.168.1.255")));
    EXPECT_FALSE(odd.contains(address("192.168.2.0")));

    auto host = range("127.0.0.1");
    EXPECT_EQ(host.to_string(), "127.0.0.1/32");
    EXPECT_TRUE(host.contains(address("127.0.0.1")));
    EXPECT_FALSE(host.contains(address("127.0.0.2")));

    auto v6 = range("fd00:1234::/32");
    EXPECT_TRUE(v6.contains(address("fd00:1234:ffff::1")));
    EXPECT_FALSE(v6.contains(address("fd00:1235::1")));
    EXPECT_FALSE(v6.contains(address("10.0.0.1")));  // families never mix
    EXPECT_FALSE(range("::/0").contains(address("10.0.0.1")));
    EXPECT_TRUE(range("0.0.0.0/0").contains(address("203.0.113.9")));

    EXPECT_EQ(range("10.1.2.3/8").to_string(), "10.0.0.0/8");  // host bits dropped
    EXPECT_EQ(range("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
}

TEST(AddressRange, RefusesWhatIsNotACidrBlock) {
    for (const char* bad :
         {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8x",
          "10.0.0.0/ 8", "10.0.0/8", "example.org/24", "10.0.0.0/8/8", "::ffff:10.0.0.0/8"}) {
        EXPECT_FALSE(address_range::parse(bad).has_value()) << bad;
    }
}

TEST(TrustedProxies, ParseNamesTheBadEntry) {
    auto proxies = trusted_proxies::parse({" 10.0.0.0/8 ", "::1"});
    EXPECT_TRUE(proxies.contains(address("10.2.3.4")));
    EXPECT_TRUE(proxies.contains(address("::1")));
    try {
        trusted_proxies::parse({"10.0.0.0/8", "10.0.0.300"});
        FAIL() << "accepted a bad entry";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("10.0.0.300"), std::string::npos) << e.what();
    }
}

class ClientOf : public ::testing::Test {
  protected:
    trusted_proxies proxies = trusted_proxies::parse({"127.0.0.1/32", "10.0.0.0/8", "fd00::/8"});
    ip_address proxy = address("127.0.0.1");
    ip_address stranger = address("198.51.100.7");

    std::string client(const ip_address& peer, std::string_view forwarded) const {
        return proxies.client_of(peer, forwarded).to_string();
    }
};

TEST_F(ClientOf, AnUntrustedPeerIsTheClientWhateverItSays) {
    EXPECT_EQ(client(stranger, "203.0.113.1"), "198.51.100.7");
    EXPECT_EQ(trusted_proxies().client_of(proxy, "203.0.113.1").to_string(), "127.0.0.1");
}

TEST_F(ClientOf, ATrustedPeerNamesTheClient) {
    EXPECT_EQ(client(proxy, "203.0.113.1"), "203.0.113.1");
    EXPECT_EQ(client(proxy, " 203.0.113.1 "), "203.0.113.1");
    EXPECT_EQ(client(proxy, "2001:db8::5"), "2001:db8::5");
    EXPECT_EQ(client(proxy, "::ffff:203.0.113.1"), "203.0.113.1");
}

TEST_F(ClientOf, TheRightmostUntrustedHopWins) {
    // What the client wrote itself comes first; our proxies append on the right.
    EXPECT_EQ(client(proxy, "1.1.1.1, 203.0.113.1"), "203.0.113.1");
    EXPECT_EQ(client(proxy, "1.1.1.1, 203.0.113.1, 10.0.0.5"), "203.0.113.1");
    EXPECT_EQ(client(proxy, "203.0.113.1, 10.0.0.5, fd00::2"), "203.0.113.1");
    // Several header fields are one list, in order.
    EXPECT_EQ(client(proxy, "1.1.1.1,203.0.113.1,10.0.0.5"), "203.0.113.1");
    // Garbage left of the client is the client's own business.
    EXPECT_EQ(client(proxy, "not-an-address, 203.0.113.1"), "203.0.113.1");
}

TEST_F(ClientOf, OnlyProxiesAllTheWayIsTheFarthestOne) {
    EXPECT_EQ(client(proxy, "10.0.0.9, 10.0.0.5"), "10.0.0.9");
}

TEST_F(ClientOf, PortsAndBracketsAreUnderstood) {
    EXPECT_EQ(client(proxy, "203.0.113.1:4711"), "203.0.113.1");
    EXPECT_EQ(client(proxy, "[2001:db8::5]"), "2001:db8::5");
    EXPECT_EQ(client(proxy, "[2001:db8::5]:4711"), "2001:db8::5");
}

TEST_F(ClientOf, AMalformedListFallsBackToThePeer) {
    for (const char* bad : {"unknown", "203.0.113.1, ", "203.0.113.1,,", "203.0.113.999",
                            "[2001:db8::5", "[2001:db8::5]x", "2001:db8::5:", "_hidden",
                            "203.0.113.1 10.0.0.5", "1.1.1.1, 203.0.113.1, junk"}) {
        EXPECT_EQ(client(proxy, bad), "127.0.0.1") << bad;
    }
    EXPECT_EQ(client(proxy, ""), "127.0.0.1");
    EXPECT_EQ(client(proxy, "  "), "127.0.0.1");
}

}  // namespace
}  // namespace parlor::net
