#include "api/response.hpp"
#include "api/services.hpp"
#include "common/blocking.hpp"
#include "common/error.hpp"
#include "realtime/views.hpp"

namespace parlor::api {
namespace {

using realtime::file_json;
using realtime::files_json;

// sizeBytes: a non-negative whole number.
std::uint64_t size_field(const nlohmann::json& body) {
    auto it = body.find("sizeBytes");
    if (it == body.end()) throw error(error_code::bad_request, "sizeBytes is required");
    if (it->is_number_unsigned()) return it->get<std::uint64_t>();
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0) return it->get<std::uint64_t>();
    throw error(error_code::bad_request, "sizeBytes must be a whole number of bytes");
}

std::string required_string(const nlohmann::json& body, const char* field) {
    auto value = optional_string(body, field);
    if (!value) throw error(error_code::bad_request, std::string(field) + " is required");
    return *value;
}

bool host_is_plain(std::string_view host) {
    return !host.empty() && host.size() <= 255 &&
           host.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789.-:[]") == std::string_view::npos;
}

// The local store's links are paths on parlor's own origin: the configured public origin,
// or else the one the client reached us by (so a page on 127.0.0.1 gets 127.0.0.1 links).
std::string absolute(const request_context& ctx, const services& deps, const std::string& url) {
    if (!url.starts_with("/")) return url;
    if (!deps.public_origin.empty()) return deps.public_origin + url;
    auto host = ctx.req[http::field::host];
    std::string_view h(host.data(), host.size());
    return "http://" + std::string(host_is_plain(h) ? h : "localhost") + url;
}

nlohmann::json signed_json(const request_context& ctx, const services& deps,
                           const blobs::signed_request& signed_req) {
    auto headers = nlohmann::json::object();
    for (const auto& [name, value] : signed_req.headers) headers[name] = value;
    return {{"method", signed_req.method},
            {"url", absolute(ctx, deps, signed_req.url)},
            {"headers", headers},
            {"expiresAt", format_rfc3339(signed_req.expires_at)}};
}

bool wants_redirect(const request& req) {
    std::string_view target(req.target().data(), req.target().size());
    auto query = target.substr(std::min(target.size(), target.find('?') + 1));
    return query == "redirect=1" || query.starts_with("redirect=1&") ||
           query.find("&redirect=1") != std::string_view::npos;
}

}  // namespace

void add_file_routes(router& routes, services& deps) {
    routes.add(http::verb::post, "/api/rooms/:code/files/prepare",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto body = json_object_body(ctx.req);
                   files::upload_request wanted{required_string(body, "filename"),
                                                optional_string(body, "mimeType").value_or(""),
                                                size_field(body), required_string(body, "sha256")};
                   auto token = bearer_token(ctx.req);
                   auto prepared = co_await run_blocking(deps.blocking, [&] {
                       auto who = deps.rooms.member_of(ctx.params[0], token);
                       return deps.files.prepare(who, wanted);
                   });
                   co_return json_response(ctx.req, http::status::created,
                                           {{"fileId", prepared.file_id},
                                            {"upload", signed_json(ctx, deps, prepared.upload)}});
               });

    routes.add(http::verb::post, "/api/rooms/:code/files/complete",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto file_id = required_string(json_object_body(ctx.req), "fileId");
                   auto token = bearer_token(ctx.req);
                   auto done = co_await run_blocking(deps.blocking, [&] {
                       auto who = deps.rooms.member_of(ctx.params[0], token);
                       return deps.files.complete(who, file_id);
                   });
                   co_return json_response(
                       ctx.req, done.newly_completed ? http::status::created : http::status::ok,
                       {{"file", file_json(done.file)}});
               });

    routes.add(
        http::verb::get, "/api/rooms/:code/files",
        [&deps](request_context& ctx) -> asio::awaitable<response> {
            auto token = bearer_token(ctx.req);
            auto history = co_await run_blocking(deps.blocking, [&] {
                auto who = deps.rooms.member_of(ctx.params[0], token);
                return deps.files.history(who.room_id);
            });
            co_return json_response(ctx.req, http::status::ok, {{"files", files_json(history)}});
        });

    routes.add(
        http::verb::get, "/api/files/:fileId/download",
        [&deps](request_context& ctx) -> asio::awaitable<response> {
            auto token = bearer_token(ctx.req);
            if (!token) throw error(error_code::unauthorized, "This call needs a guest token");
            auto link = co_await run_blocking(deps.blocking, [&] {
                auto admitted = deps.rooms.authenticate_token(*token);
                rooms::caller who{admitted.room.id, admitted.member.id, admitted.room.created_by};
                return deps.files.download(who, ctx.params[0]);
            });
            auto url = absolute(ctx, deps, link.url);
            if (wants_redirect(ctx.req)) {
                response res{http::status::found, ctx.req.version()};
                res.set(http::field::location, url);
                res.set(http::field::cache_control, "no-store");
                res.keep_alive(ctx.req.keep_alive());
                res.prepare_payload();
                co_return res;
            }
            co_return json_response(ctx.req, http::status::ok,
                                    {{"url", url}, {"expiresAt", format_rfc3339(link.expires_at)}});
        });
}

}  // namespace parlor::api
