#include "realtime/frames.hpp"

#include "common/json_text.hpp"

namespace parlor::realtime {

void read_envelope(std::string_view text, envelope& msg) {
    auto parsed = parse_json(text);
    if (!parsed.is_object()) throw error(error_code::bad_request, "A frame is a JSON object");
    msg.rid = parsed.value("rid", nlohmann::json());
    if (!msg.rid.is_null() && !msg.rid.is_string() && !msg.rid.is_number()) {
        msg.rid = nullptr;
        throw error(error_code::bad_request, "rid must be a string or a number");
    }
    auto type = parsed.find("type");
    if (type == parsed.end() || !type->is_string()) {
        throw error(error_code::bad_request, "type must be a string");
    }
    msg.type = type->get<std::string>();
    msg.data = parsed.value("data", nlohmann::json::object());
    if (!msg.data.is_object()) throw error(error_code::bad_request, "data must be an object");
}

nlohmann::json readable_rid(std::string_view text) {
    auto parsed = parse_json(text);
    nlohmann::json rid = parsed.is_object() ? parsed.value("rid", nlohmann::json()) : nullptr;
    if (!rid.is_string() && !rid.is_number()) rid = nullptr;
    return rid;
}

const nlohmann::json& field(const nlohmann::json& data, const char* name) {
    static const nlohmann::json missing;
    auto it = data.find(name);
    return it == data.end() ? missing : *it;
}

std::string required_string(const nlohmann::json& data, const char* name) {
    const auto& value = field(data, name);
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        throw error(error_code::bad_request, std::string(name) + " must be a non-empty string");
    }
    return value.get<std::string>();
}

std::string optional_string(const nlohmann::json& data, const char* name) {
    const auto& value = field(data, name);
    if (value.is_null()) return {};
    if (!value.is_string()) {
        throw error(error_code::bad_request, std::string(name) + " must be a string");
    }
    return value.get<std::string>();
}

bool required_bool(const nlohmann::json& data, const char* name) {
    const auto& value = field(data, name);
    if (!value.is_boolean()) {
        throw error(error_code::bad_request, std::string(name) + " must be true or false");
    }
    return value.get<bool>();
}

std::shared_ptr<const std::string> make_frame(const std::string& type, const nlohmann::json& data,
                                              std::int64_t seq) {
    nlohmann::json frame{{"type", type}, {"data", data}};
    if (seq > 0) frame["seq"] = seq;
    return std::make_shared<const std::string>(
        frame.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::shared_ptr<const std::string> error_frame(const error& failure, const nlohmann::json& rid) {
    nlohmann::json data = {{"code", code_name(failure.code())}, {"message", failure.what()}};
    if (!rid.is_null()) data["rid"] = rid;
    return make_frame("error", data);
}

}  // namespace parlor::realtime
