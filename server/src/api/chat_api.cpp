#include <charconv>

#include "api/response.hpp"
#include "api/services.hpp"
#include "common/blocking.hpp"
#include "common/error.hpp"
#include "realtime/views.hpp"

namespace parlor::api {
namespace {

constexpr int default_page = 50;
constexpr int max_page = 100;

// ?limit=: a whole number from 1 to 100; 50 when absent.
int page_size(const request& req) {
    auto given = query_param(req, "limit");
    if (!given) return default_page;
    int limit = 0;
    auto [end, failure] = std::from_chars(given->data(), given->data() + given->size(), limit);
    if (failure != std::errc() || end != given->data() + given->size() || limit < 1 ||
        limit > max_page) {
        throw error(error_code::bad_request, "limit must be a whole number from 1 to 100");
    }
    return limit;
}

}  // namespace

void add_chat_routes(router& routes, services& deps) {
    // Older messages than the snapshot's: the history is paged back by message id.
    routes.add(http::verb::get, "/api/rooms/:code/messages",
               [&deps](request_context& ctx) -> asio::awaitable<response> {
                   auto token = bearer_token(ctx.req);
                   auto before = query_param(ctx.req, "before").value_or("");
                   int limit = page_size(ctx.req);
                   auto messages = co_await run_blocking(deps.blocking, [&] {
                       auto who = deps.rooms.member_of(ctx.params[0], token);
                       return deps.chat.history(who, before, limit);
                   });
                   co_return json_response(ctx.req, http::status::ok,
                                           {{"messages", realtime::messages_json(messages)}});
               });
}

}  // namespace parlor::api
