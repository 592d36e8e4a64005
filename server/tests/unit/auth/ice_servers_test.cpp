#include "auth/ice_servers.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/crypto.hpp"
#include "support/manual_clock.hpp"

namespace parlor::auth {
namespace {

using namespace std::chrono_literals;

const std::string turn_secret = "parlor-turn-test-secret";
const std::string member = "3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10";
// manual_clock starts at 1'795'000'000'000 ms; one day later:
const std::string username_in_a_day = "1795086400:" + member;
// Computed outside Parlor with OpenSSL's command line (one line in the shell):
//   printf '%s' '1795086400:3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10' |
//     openssl dgst -sha1 -hmac 'parlor-turn-test-secret' -binary | base64
const std::string credential_in_a_day = "sLvOyLQlFa9X8/SXo2NR0tgqWGU=";

ice_settings with_turn() {
    return {{"stun:stun.example.org:3478", "stun:stun2.example.org"},
            {"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"},
            turn_secret,
            24h,
            ice_transport_policy::all};
}

TEST(IceServers, TheTurnCredentialFollowsCoturnsRestScheme) {
    testing::manual_clock clock;
    ice_server_provider provider(with_turn(), clock);

    auto ice = provider.for_member(member);

    ASSERT_EQ(ice.servers.size(), 2u);
    const auto& turn = ice.servers[1];
    EXPECT_EQ(turn.urls, (std::vector<std::string>{"turn:turn.example.org:3478?transport=udp",
                                                   "turns:turn.example.org:5349"}));
    EXPECT_EQ(turn.username, username_in_a_day);
    EXPECT_EQ(turn.credential, credential_in_a_day);
    EXPECT_EQ(ice.ttl, 24h);
}

TEST(IceServers, StunComesFirstInOneEntryWithoutCredentials) {
    testing::manual_clock clock;
    ice_server_provider provider(with_turn(), clock);

    auto ice = provider.for_member(member);

    ASSERT_EQ(ice.servers.size(), 2u);
    EXPECT_EQ(ice.servers[0].urls,
              (std::vector<std::string>{"stun:stun.example.org:3478", "stun:stun2.example.org"}));
    EXPECT_FALSE(ice.servers[0].username.has_value());
    EXPECT_FALSE(ice.servers[0].credential.has_value());
}

TEST(IceServers, WithoutTurnNothingCarriesCredentials) {
    testing::manual_clock clock;
    auto settings = with_turn();
    settings.turn_urls.clear();
    settings.turn_secret.clear();
    ice_server_provider provider(settings, clock);

    auto ice = provider.for_member(member);

    ASSERT_EQ(ice.servers.size(), 1u);
    EXPECT_EQ(ice.servers[0].urls.size(), 2u);
    EXPECT_FALSE(ice.servers[0].username.has_value());
    EXPECT_FALSE(ice.servers[0].credential.has_value());
    EXPECT_FALSE(provider.has_turn());
}

TEST(IceServers, NothingConfiguredMeansAnEmptyList) {
    testing::manual_clock clock;
    ice_server_provider provider({}, clock);

    auto ice = provider.for_member(member);

    EXPECT_TRUE(ice.servers.empty());
    EXPECT_EQ(ice.policy, ice_transport_policy::all);
}

TEST(IceServers, TurnWithoutStunIsTheOnlyEntry) {
    testing::manual_clock clock;
    auto settings = with_turn();
    settings.stun_urls.clear();
    ice_server_provider provider(settings, clock);

    auto ice = provider.for_member(member);

    ASSERT_EQ(ice.servers.size(), 1u);
    EXPECT_EQ(ice.servers[0].username, username_in_a_day);
}

TEST(IceServers, TheExpiryMovesWithTheClock) {
    testing::manual_clock clock;
    ice_server_provider provider(with_turn(), clock);

    clock.advance(60'000);
    auto later = provider.for_member(member);
    clock.advance(999);  // within the same second: the same credential
    auto same_second = provider.for_member(member);

    EXPECT_EQ(later.servers[1].username, "1795086460:" + member);
    // printf '%s' '1795086460:3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10' |
    //   openssl dgst -sha1 -hmac 'parlor-turn-test-secret' -binary | base64
    EXPECT_EQ(later.servers[1].credential, "dm80eCrfN/YcQBNgTS4oWVXcWnE=");
    EXPECT_EQ(same_second.servers[1].username, later.servers[1].username);
}

TEST(IceServers, TheTtlSetsTheExpiry) {
    testing::manual_clock clock;
    auto settings = with_turn();
    settings.ttl = 600s;
    ice_server_provider provider(settings, clock);

    auto ice = provider.for_member(member);

    EXPECT_EQ(ice.servers[1].username, "1795000600:" + member);
    EXPECT_EQ(ice.ttl, 600s);
}

TEST(IceServers, EachMemberGetsTheirOwnUsername) {
    testing::manual_clock clock;
    ice_server_provider provider(with_turn(), clock);

    auto ada = provider.for_member("member-ada");
    auto grace = provider.for_member("member-grace");

    EXPECT_EQ(ada.servers[1].username, "1795086400:member-ada");
    EXPECT_EQ(grace.servers[1].username, "1795086400:member-grace");
    EXPECT_NE(ada.servers[1].credential, grace.servers[1].credential);
}

TEST(IceServers, ThePolicyIsPassedOn) {
    testing::manual_clock clock;
    auto settings = with_turn();
    settings.policy = ice_transport_policy::relay;
    ice_server_provider provider(settings, clock);

    EXPECT_EQ(provider.for_member(member).policy, ice_transport_policy::relay);
    EXPECT_EQ(policy_name(ice_transport_policy::relay), "relay");
    EXPECT_EQ(policy_name(ice_transport_policy::all), "all");
    EXPECT_EQ(parse_policy("relay"), ice_transport_policy::relay);
    EXPECT_EQ(parse_policy("all"), ice_transport_policy::all);
    EXPECT_EQ(parse_policy("none"), std::nullopt);
}

TEST(IceServers, SettingsNoCallCouldWorkWithAreRefused) {
    testing::manual_clock clock;
    auto no_secret = with_turn();
    no_secret.turn_secret.clear();
    EXPECT_THROW(ice_server_provider(no_secret, clock), std::invalid_argument);

    auto relay_without_turn = with_turn();
    relay_without_turn.turn_urls.clear();
    relay_without_turn.policy = ice_transport_policy::relay;
    EXPECT_THROW(ice_server_provider(relay_without_turn, clock), std::invalid_argument);
}

// The two primitives against RFC test vectors: HMAC-SHA1 (RFC 2202, case 2) and base64
// (RFC 4648, section 10).
TEST(IceServers, HmacSha1AndBase64MatchTheirRfcs) {
    EXPECT_EQ(to_hex(hmac_sha1("Jefe", "what do ya want for nothing?")),
              "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foob"), "Zm9vYg==");
    EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace parlor::auth
