#include "api/request.hpp"

#include "common/error.hpp"
#include "common/json_text.hpp"

namespace parlor::api {

nlohmann::json json_object_body(const request& req, empty_body empty) {
    if (empty == empty_body::is_object &&
        req.body().find_first_not_of(" \t\r\n") == std::string::npos) {
        return nlohmann::json::object();
    }
    auto body = parse_json(req.body());
    if (body.is_discarded()) throw error(error_code::bad_request, "The body is not valid JSON");
    if (!body.is_object()) throw error(error_code::bad_request, "The body must be a JSON object");
    return body;
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        throw error(error_code::bad_request, std::string(field) + " must be a string");
    }
    return it->get<std::string>();
}

std::optional<std::string> bearer_token(const request& req) {
    auto it = req.find(http::field::authorization);
    if (it == req.end()) return std::nullopt;
    std::string_view value(it->value().data(), it->value().size());
    constexpr std::string_view scheme = "Bearer ";
    if (value.size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), value.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        throw error(error_code::unauthorized, "Send the token as Authorization: Bearer <token>");
    }
    return std::string(value.substr(scheme.size()));
}

}  // namespace parlor::api
