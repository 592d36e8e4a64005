#include "api/response.hpp"

#include <string>

namespace parlor::api {
namespace {

response json_reply(unsigned version, bool keep_alive, http::status status,
                    const nlohmann::json& body) {
    response res{status, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(keep_alive);
    res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    res.prepare_payload();
    return res;
}

}  // namespace

response json_response(const request& req, http::status status, const nlohmann::json& body) {
    return json_reply(req.version(), req.keep_alive(), status, body);
}

response no_content(const request& req) {
    response res{http::status::no_content, req.version()};
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    return res;
}

response error_response(unsigned version, bool keep_alive, const error& failure) {
    nlohmann::json body = {
        {"error", {{"code", code_name(failure.code())}, {"message", failure.what()}}}};
    auto res = json_reply(version, keep_alive,
                          static_cast<http::status>(http_status(failure.code())), body);
    if (auto seconds = failure.retry_after_seconds()) {
        res.set(http::field::retry_after, std::to_string(*seconds));
    }
    return res;
}

}  // namespace parlor::api
