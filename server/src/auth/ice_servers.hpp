#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace parlor::auth {

// RTCConfiguration.iceTransportPolicy: `relay` makes browsers use TURN only (no host or
// server-reflexive candidates), for networks where direct paths must not be tried.
enum class ice_transport_policy { all, relay };

std::string_view policy_name(ice_transport_policy policy);
std::optional<ice_transport_policy> parse_policy(std::string_view name);

// One RTCIceServer. STUN entries carry no credentials; the TURN entry carries both.
struct ice_server {
    std::vector<std::string> urls;
    std::optional<std::string> username;
    std::optional<std::string> credential;
};

// What one member's browser needs to set up its peer connections.
struct ice_configuration {
    std::vector<ice_server> servers;  // STUN first, then TURN
    std::chrono::seconds ttl;         // how long the TURN credential stays valid
    ice_transport_policy policy = ice_transport_policy::all;
};

struct ice_settings {
    std::vector<std::string> stun_urls;
    std::vector<std::string> turn_urls;
    std::string turn_secret;  // coturn's static-auth-secret (use-auth-secret)
    std::chrono::seconds ttl{24 * 60 * 60};
    ice_transport_policy policy = ice_transport_policy::all;
};

// A TURN credential in coturn's REST-API scheme: username `<unix expiry>:<member id>`,
// credential base64(HMAC-SHA1(secret, username)). Any coturn that shares the secret
// accepts it until the expiry, with no call between Parlor and coturn.
struct turn_credential {
    std::string username;
    std::string credential;
};
turn_credential make_turn_credential(std::string_view secret, std::int64_t expires_unix_seconds,
                                     std::string_view member_id);

// The one source of ICE servers for REST and the WebSocket. Thread-safe (immutable after
// construction; the clock is read per call).
class ice_server_provider {
  public:
    // Throws std::invalid_argument for settings no call could work with: TURN URLs without
    // a secret, or the relay policy without TURN URLs.
    ice_server_provider(ice_settings settings, const clock& clock);

    // Fresh credentials for `member_id`, valid for the TTL from now.
    ice_configuration for_member(std::string_view member_id) const;

    ice_transport_policy policy() const { return settings_.policy; }
    std::chrono::seconds ttl() const { return settings_.ttl; }
    bool has_turn() const { return !settings_.turn_urls.empty(); }

  private:
    ice_settings settings_;
    const clock& clock_;
};

}  // namespace parlor::auth
