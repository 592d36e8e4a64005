// Who a request comes from: behind a trusted reverse proxy, the client that proxy names in
// X-Forwarded-For, so that each client has its own rate limits; from anyone else the header
// counts for nothing. IPv6 clients count by /64; a rejoin with a valid token is not a join.

#include "support.hpp"

namespace parlor::itest {
namespace {

header_list forwarded_for(const std::string& client) {
    return {{"X-Forwarded-For", client}};
}

class ProxiedJoinTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        // The tests' "proxy" is the test itself, on 127.0.0.1.
        return {{"--join-per-minute", "2"}, {"--trusted-proxy", "127.0.0.1/32"}};
    }
    http_reply join_as(const std::string& code, const std::string& client) {
        return api().join(code, name_body("Guest"), forwarded_for(client));
    }
};

TEST_F(ProxiedJoinTest, OneClientUsingUpItsJoinsDoesNotLimitAnother) {
    auto room = api().create_room();
    EXPECT_EQ(join_as(room.code, "203.0.113.1").status, 200);
    EXPECT_EQ(join_as(room.code, "203.0.113.1").status, 200);
    EXPECT_TRUE(is_error(join_as(room.code, "203.0.113.1"), 429, "rate_limited"));

    EXPECT_EQ(join_as(room.code, "203.0.113.2").status, 200);
    // Hops a client claims for itself on the left change nothing: our proxy's entry counts.
    EXPECT_TRUE(is_error(join_as(room.code, "198.51.100.9, 203.0.113.1"), 429, "rate_limited"));
    // A request the proxy did not forward (no header) is the proxy's own.
    EXPECT_EQ(api().join(room.code, name_body("Local")).status, 200);

    // The request log names the client, not the proxy.
    EXPECT_NE(server().log().find(R"("client_ip":"203.0.113.2")"), std::string::npos);
}

TEST_F(ProxiedJoinTest, Ipv6ClientsCountByTheir64) {
    auto room = api().create_room();
    EXPECT_EQ(join_as(room.code, "2001:db8:1:2::1").status, 200);
    EXPECT_EQ(join_as(room.code, "2001:db8:1:2:ffff::77").status, 200);
    EXPECT_TRUE(is_error(join_as(room.code, "2001:db8:1:2::99"), 429, "rate_limited"));
    EXPECT_EQ(join_as(room.code, "2001:db8:1:3::1").status, 200);  // another /64
}

TEST_F(ProxiedJoinTest, AMalformedForwardedForCountsAsTheProxy) {
    auto room = api().create_room();
    EXPECT_EQ(join_as(room.code, "unknown").status, 200);
    EXPECT_EQ(api().join(room.code, name_body("Local")).status, 200);
    EXPECT_TRUE(is_error(join_as(room.code, "203.0.113.1, garbage"), 429, "rate_limited"));
    EXPECT_EQ(join_as(room.code, "203.0.113.1").status, 200);
}

class UnproxiedJoinTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--join-per-minute", "2"}};
    }
};

TEST_F(UnproxiedJoinTest, ForwardedForFromAnUntrustedPeerIsIgnored) {
    auto room = api().create_room();
    EXPECT_EQ(api().join(room.code, name_body("A"), forwarded_for("203.0.113.1")).status, 200);
    EXPECT_EQ(api().join(room.code, name_body("B"), forwarded_for("203.0.113.2")).status, 200);
    // Claiming yet another address does not escape the limit.
    EXPECT_TRUE(is_error(api().join(room.code, name_body("C"), forwarded_for("203.0.113.3")), 429,
                         "rate_limited"));
    EXPECT_EQ(server().log().find(R"("client_ip":"203.0.113.)"), std::string::npos);
}

TEST_F(UnproxiedJoinTest, ARejoinWithAValidTokenIsNotCounted) {
    auto room = api().create_room();
    auto grace = api().join_room(room.code, "Grace");
    api().join_room(room.code, "Alan");
    ASSERT_TRUE(is_error(api().join(room.code, name_body("Eve")), 429, "rate_limited"));

    // Grace reloads the page: her token gets her back in, again and again.
    for (int i = 0; i < 3; ++i) {
        auto back = api().join(room.code, "{}", bearer(grace.token));
        ASSERT_EQ(back.status, 200) << back.body;
        EXPECT_EQ(back.json()["member"]["id"], grace.member_id);
    }
    // A token of another room, or none that verifies, is refused as before.
    auto other = api().create_room("Bob");
    EXPECT_TRUE(is_error(api().join(room.code, "{}", bearer(other.token)), 403, "forbidden"));
    EXPECT_TRUE(is_error(api().join(room.code, "{}", bearer("not-a-token")), 401, "unauthorized"));
    // And new members are still limited.
    EXPECT_TRUE(is_error(api().join(room.code, name_body("Eve")), 429, "rate_limited"));
}

class ProxiedConnectionsTest : public parlor_test {
  protected:
    std::map<std::string, std::string> server_flags() const override {
        return {{"--max-connections-per-ip", "2"}, {"--trusted-proxy", "127.0.0.0/8"}};
    }
};

TEST_F(ProxiedConnectionsTest, ATrustedProxyIsNotHeldToThePerIpLimit) {
    std::vector<std::unique_ptr<http_connection>> upstream;
    for (int i = 0; i < 6; ++i) {
        upstream.push_back(std::make_unique<http_connection>(port()));
        auto r = upstream.back()->request("GET", "/api/health", {},
                                          forwarded_for("203.0.113." + std::to_string(i)));
        EXPECT_EQ(r.status, 200);
    }
}

}  // namespace
}  // namespace parlor::itest
