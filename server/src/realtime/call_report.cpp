#include "realtime/call_report.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace parlor::realtime {
namespace {

const nlohmann::json* member(const nlohmann::json& data, const char* name) {
    auto it = data.find(name);
    return it == data.end() || it->is_null() ? nullptr : &*it;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// 8-4-4-4-12 hex digits, either case.
bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

std::string required_uuid(const nlohmann::json& data, const char* name) {
    const auto* value = member(data, name);
    if (!value || !value->is_string() || !is_uuid(value->get_ref<const std::string&>())) {
        throw error(error_code::bad_request, std::string(name) + " must be a UUID string");
    }
    return value->get<std::string>();
}

bool is_failure_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

std::string_view path_name(media_path path) {
    return path == media_path::relay ? "relay" : "direct";
}

call_report read_call_report(const nlohmann::json& data) {
    call_report report;
    report.call_id = required_uuid(data, "callId");
    report.peer_id = required_uuid(data, "peerId");

    if (const auto* ms = member(data, "firstMediaMs")) {
        // Integers only: 12.5 or 1e3 (a float to JSON parsers) are refused, as are negatives.
        bool valid = ms->is_number_unsigned()
                         ? ms->get<std::uint64_t>() <= std::uint64_t{max_first_media_ms}
                         : ms->is_number_integer() && ms->get<std::int64_t>() >= 0 &&
                               ms->get<std::int64_t>() <= max_first_media_ms;
        if (!valid) {
            throw error(error_code::bad_request,
                        "firstMediaMs must be a whole number from 0 to 600000");
        }
        report.first_media_ms = ms->get<std::int64_t>();
    }

    const auto* path = member(data, "path");
    if (!path || !path->is_string()) {
        throw error(error_code::bad_request, R"(path must be "direct" or "relay")");
    }
    const auto& path_text = path->get_ref<const std::string&>();
    if (path_text == "direct") {
        report.path = media_path::direct;
    } else if (path_text == "relay") {
        report.path = media_path::relay;
    } else {
        throw error(error_code::bad_request, R"(path must be "direct" or "relay")");
    }

    if (const auto* failure = member(data, "iceFailure")) {
        const std::string* text =
            failure->is_string() ? &failure->get_ref<const std::string&>() : nullptr;
        if (!text || text->empty() || text->size() > max_ice_failure_length ||
            !std::all_of(text->begin(), text->end(), is_failure_char)) {
            throw error(error_code::bad_request,
                        "iceFailure must be 1 to 64 characters of a-z, 0-9 and -");
        }
        report.ice_failure = *text;
    }
    return report;
}

nlohmann::json call_report_log(const call_report& report, std::string_view room_id,
                               std::string_view member_id) {
    nlohmann::json line = {{"event", "call_report"},   {"room", room_id},
                           {"member", member_id},      {"callId", report.call_id},
                           {"peerId", report.peer_id}, {"path", path_name(report.path)}};
    if (report.first_media_ms) line["firstMediaMs"] = *report.first_media_ms;
    if (report.ice_failure) line["iceFailure"] = *report.ice_failure;
    return line;
}

}  // namespace parlor::realtime
