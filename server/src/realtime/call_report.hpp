#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parlor::realtime {

// How a peer connection's media flowed: straight between the browsers (host or
// server-reflexive candidates), or through TURN.
enum class media_path { direct, relay };

std::string_view path_name(media_path path);

constexpr std::int64_t max_first_media_ms = 600'000;  // ten minutes: past it, not a measurement
constexpr std::size_t max_ice_failure_length = 64;

// A `call:report` frame's data: what a browser saw of one peer connection.
struct call_report {
    std::string call_id;
    std::string peer_id;
    std::optional<std::int64_t> first_media_ms;  // from connecting to the peer to its media
    media_path path = media_path::direct;
    std::optional<std::string> ice_failure;  // e.g. "failed", "disconnected-timeout"
};

// Validates `data` into a call_report: callId and peerId UUIDs, firstMediaMs absent (or
// null) or a whole number from 0 to 600000, path "direct" or "relay", iceFailure absent
// (or null) or 1 to 64 characters of [a-z0-9-]. Other members are ignored. Throws
// parlor::error(bad_request) naming the first field that is wrong.
call_report read_call_report(const nlohmann::json& data);

// The log line of one report, with the reporter's room and member.
nlohmann::json call_report_log(const call_report& report, std::string_view room_id,
                               std::string_view member_id);

}  // namespace parlor::realtime
