#include "api/response.hpp"
#include "api/services.hpp"
#include "common/blocking.hpp"
#include "common/error.hpp"
#include "realtime/views.hpp"
#include "rooms/display_name.hpp"

namespace parlor::api {
namespace {

using realtime::admission_json;
using realtime::ice_configuration_json;
using realtime::snapshot_json;

void enforce(auth::rate_limiter& limiter, const request_context& ctx, const char* what) {
    if (auto wait = limiter.acquire(ctx.client_key)) {
        throw error(error_code::rate_limited, std::string("Too many ") + what + "; try again in " +
                                                  std::to_string(*wait) + " s")
            .with_retry_after(*wait);
    }
}

std::optional<std::string> optional_display_name(const nlohmann::json& body) {
    auto requested = optional_string(body, "displayName");
    if (!requested) return std::nullopt;
    return rooms::validated_display_name(*requested);
}

}  // namespace

void add_room_routes(router& routes, services& deps) {
    routes.add(
        http::verb::post, "/api/rooms", [&deps](request_context& ctx) -> asio::awaitable<response> {
            enforce(deps.room_creates, ctx, "new rooms from your address");
            auto name = optional_display_name(json_object_body(ctx.req));
            if (!name) throw error(error_code::bad_request, "displayName is required");
            auto admitted =
                co_await run_blocking(deps.blocking, [&] { return deps.rooms.create_room(*name); });
            deps.metrics.room_created();
            co_return json_response(
                ctx.req, http::status::created,
                admission_json(admitted, deps.ice_servers.for_member(admitted.member.id)));
        });

    routes.add(http::verb::post, "/api/rooms/:code/join",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   // A rejoin (a reload, a second tab) carries the member's token: it never adds a
                   // member and fails without a valid token of this room, so it is not counted.
                   // Otherwise anyone sharing the address could lock members out of their own room.
                   std::optional<std::string> token;
                   rooms::admission admitted;
                   try {
                       token = bearer_token(ctx.req);
                       if (!token) enforce(deps.joins, ctx, "joins from your address");
                       // A rejoin with a token needs no fields, so no body means {} here.
                       auto name =
                           optional_display_name(json_object_body(ctx.req, empty_body::is_object));
                       admitted = co_await run_blocking(deps.blocking, [&] {
                           return deps.rooms.join_room(ctx.params[0], name, token);
                       });
                   } catch (const error& refused) {
                       deps.metrics.room_join(code_name(refused.code()));
                       throw;
                   }
                   deps.metrics.room_join(token ? "rejoined" : "joined");
                   co_return json_response(
                       ctx.req, http::status::ok,
                       admission_json(admitted, deps.ice_servers.for_member(admitted.member.id)));
               });

    routes.add(http::verb::get, "/api/rooms/:code/state",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto token = bearer_token(ctx.req);
                   auto snapshot = co_await run_blocking(
                       deps.blocking, [&] { return deps.rooms.state(ctx.params[0], token); });
                   co_return json_response(
                       ctx.req, http::status::ok,
                       snapshot_json(snapshot, deps.ice_servers.for_member(snapshot.self)));
               });

    // Fresh TURN credentials for a client whose old ones near their expiry: one token check,
    // no snapshot. json_response marks it no-store, as credentials must be.
    routes.add(http::verb::get, "/api/rooms/:code/ice-servers",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto token = bearer_token(ctx.req);
                   auto who = co_await run_blocking(
                       deps.blocking, [&] { return deps.rooms.member_of(ctx.params[0], token); });
                   co_return json_response(
                       ctx.req, http::status::ok,
                       ice_configuration_json(deps.ice_servers.for_member(who.member_id)));
               });

    routes.add(http::verb::post, "/api/rooms/:code/leave",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto token = bearer_token(ctx.req);
                   co_await run_blocking(deps.blocking,
                                         [&] { deps.rooms.leave(ctx.params[0], token); });
                   co_return no_content(ctx.req);
               });
}

}  // namespace parlor::api
