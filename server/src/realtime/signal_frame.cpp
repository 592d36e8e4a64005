#include "realtime/signal_frame.hpp"

#include "common/error.hpp"
#include "common/json_scan.hpp"
#include "realtime/frames.hpp"

namespace parlor::realtime {

namespace {

bool is_signal_type(std::string_view type) {
    return type == "signal:offer" || type == "signal:answer" || type == "signal:ice";
}

bool starts_with(std::string_view value, char c) {
    return !value.empty() && value.front() == c;
}

// A non-empty id written without escapes.
std::optional<std::string_view> plain_id(const json_scan::object_view& data, std::string_view key) {
    auto value = data.find(key);
    if (!value) return std::nullopt;
    auto id = json_scan::plain_string(*value);
    if (!id || id->empty()) return std::nullopt;
    return id;
}

}  // namespace

std::optional<signal_frame> read_signal(std::string_view text) {
    json_scan::object_view frame;
    json_scan::object_view data;
    bool has_data = false;
    if (json_scan::scan_object(text, frame, "data", data, has_data) !=
        json_scan::scan_result::object) {
        return std::nullopt;
    }
    if (frame.truncated || frame.escaped_keys || data.truncated || data.escaped_keys) {
        return std::nullopt;
    }
    signal_frame signal;
    auto type = frame.find("type");
    auto type_name = type ? json_scan::plain_string(*type) : std::nullopt;
    if (!type_name || !is_signal_type(*type_name)) return std::nullopt;
    signal.type = *type_name;

    if (auto rid = frame.find("rid")) {
        // A string, a number, or null (which means none); anything else is an error.
        char first = rid->front();
        if (first != '"' && first != '-' && !(first >= '0' && first <= '9') && *rid != "null") {
            return std::nullopt;
        }
        if (*rid != "null") signal.rid = *rid;
    }

    auto data_text = frame.find("data");
    if (!data_text || !has_data || !starts_with(*data_text, '{')) return std::nullopt;
    auto to = plain_id(data, "to");
    auto call_id = plain_id(data, "callId");
    if (!to || !call_id) return std::nullopt;
    signal.to = *to;
    signal.call_id = *call_id;
    if (signal.type == "signal:ice") {
        auto candidate = data.find("candidate");
        signal.payload = candidate ? *candidate : "null";
        if (!starts_with(signal.payload, '{') && signal.payload != "null") return std::nullopt;
    } else {
        auto sdp = data.find("sdp");
        if (!sdp || !starts_with(*sdp, '"') || *sdp == "\"\"") return std::nullopt;
        signal.payload = *sdp;
    }
    return signal;
}

std::string forwarded_signal(const signal_frame& signal, std::string_view from) {
    bool ice = signal.type == "signal:ice";
    std::string out;
    out.reserve(signal.payload.size() + signal.call_id.size() + from.size() + 80);
    out += R"({"data":{"callId":")";
    out += signal.call_id;
    out += '"';
    if (ice) {
        out += R"(,"candidate":)";
        out += signal.payload;
    }
    out += R"(,"from":)";
    json_scan::append_quoted(out, from);
    if (!ice) {
        out += R"(,"sdp":)";
        out += signal.payload;
    }
    out += R"(},"type":")";
    out += signal.type;
    out += "\"}";
    return out;
}

relayed_signal read_signal_data(std::string_view type, const nlohmann::json& data,
                                std::string_view from) {
    relayed_signal signal{required_string(data, "to"), required_string(data, "callId"), {}};
    signal.forwarded = {{"from", from}, {"callId", signal.call_id}};
    if (type == "signal:ice") {
        const auto& candidate = field(data, "candidate");
        if (!candidate.is_object() && !candidate.is_null()) {
            throw error(error_code::bad_request, "candidate must be an object or null");
        }
        signal.forwarded["candidate"] = candidate;
    } else {
        signal.forwarded["sdp"] = required_string(data, "sdp");
    }
    return signal;
}

}  // namespace parlor::realtime
