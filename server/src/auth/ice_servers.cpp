#include "auth/ice_servers.hpp"

#include <stdexcept>

#include "common/crypto.hpp"

namespace parlor::auth {

std::string_view policy_name(ice_transport_policy policy) {
    return policy == ice_transport_policy::relay ? "relay" : "all";
}

std::optional<ice_transport_policy> parse_policy(std::string_view name) {
    if (name == "all") return ice_transport_policy::all;
    if (name == "relay") return ice_transport_policy::relay;
    return std::nullopt;
}

turn_credential make_turn_credential(std::string_view secret, std::int64_t expires_unix_seconds,
                                     std::string_view member_id) {
    auto username = std::to_string(expires_unix_seconds) + ":" + std::string(member_id);
    auto credential = base64(hmac_sha1(secret, username));
    return {std::move(username), std::move(credential)};
}

ice_server_provider::ice_server_provider(ice_settings settings, const clock& clock)
    : settings_(std::move(settings)), clock_(clock) {
    if (!settings_.turn_urls.empty() && settings_.turn_secret.empty()) {
        throw std::invalid_argument("TURN URLs need the TURN secret");
    }
    if (settings_.policy == ice_transport_policy::relay && settings_.turn_urls.empty()) {
        throw std::invalid_argument("the relay policy needs at least one TURN URL");
    }
}

ice_configuration ice_server_provider::for_member(std::string_view member_id) const {
    ice_configuration config{{}, settings_.ttl, settings_.policy};
    if (!settings_.stun_urls.empty()) {
        config.servers.push_back({settings_.stun_urls, std::nullopt, std::nullopt});
    }
    if (!settings_.turn_urls.empty()) {
        // Whole seconds, rounded down: the credential never outlives the TTL.
        std::int64_t expires = clock_.now() / 1000 + settings_.ttl.count();
        auto [username, credential] =
            make_turn_credential(settings_.turn_secret, expires, member_id);
        config.servers.push_back({settings_.turn_urls, std::move(username), std::move(credential)});
    }
    return config;
}

}  // namespace parlor::auth
