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

namespace parlor::api {

std::optional<std::string> query_param(const request& req, std::string_view name) {
    std::string_view target(req.target().data(), req.target().size());
    auto mark = target.find('?');
    if (mark == std::string_view::npos) return std::nullopt;
    auto query = target.substr(mark + 1);
    query = query.substr(0, query.find('#'));
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        auto raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        std::string value;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '+') {
                value += ' ';
            } else if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 &&
                       hex(raw[i + 2]) >= 0) {
                value += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
                i += 2;
            } else {
                value += raw[i];
            }
        }
        return value;
    }
    return std::nullopt;
}

}  // namespace parlor::api
