#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/asio.hpp"

namespace parlor::api {

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// One REST call as the handlers see it.
struct request_context {
    const request& req;
    std::string client_ip;   // the client's address: the TCP peer, or what a trusted proxy says
    std::string client_key;  // what per-client limits count: that address, an IPv6 one by /64
    std::string request_id;
    std::vector<std::string> params;  // the `:name` segments of the route, in order
    std::string route = "unmatched";  // the route's pattern, once the router found it
};

enum class empty_body { is_error, is_object };

// The body as a JSON object; parlor::error(bad_request) for anything else. An empty (or
// all-whitespace) body is an error unless the call has no required fields.
nlohmann::json json_object_body(const request& req, empty_body empty = empty_body::is_error);

// A string field that may be absent; bad_request when present with another type.
std::optional<std::string> optional_string(const nlohmann::json& body, const char* field);

// A query parameter of the target, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(const request& req, std::string_view name);

// The token of `Authorization: Bearer <token>`; nullopt when there is no such header.
// A header in another scheme is unauthorized.
std::optional<std::string> bearer_token(const request& req);

}  // namespace parlor::api
