#pragma once

#include <nlohmann/json.hpp>

#include "api/request.hpp"
#include "common/error.hpp"

namespace parlor::api {

response json_response(const request& req, http::status status, const nlohmann::json& body);
response no_content(const request& req);
// The protocol's error body: {"error":{"code","message"}}, Retry-After when given.
response error_response(unsigned version, bool keep_alive, const error& failure);

}  // namespace parlor::api
