#include <spdlog/spdlog.h>

#include "api/response.hpp"
#include "api/services.hpp"
#include "common/blocking.hpp"
#include "common/error.hpp"

namespace parlor::api {
namespace {

constexpr std::size_t max_report_bytes = 16 * 1024;

// At most `chars` code points of valid UTF-8 (the JSON parser checked it).
std::string cut(std::string text, std::size_t chars) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool starts_char = (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80;
        if (starts_char && seen++ == chars) {
            text.resize(i);
            break;
        }
    }
    return text;
}

std::string field_cut(const nlohmann::json& body, const char* name, std::size_t chars,
                      bool required) {
    auto value = optional_string(body, name);
    if (!value && required)
        throw error(error_code::bad_request, std::string(name) + " is required");
    return cut(value.value_or(""), chars);
}

}  // namespace

// The web client's own errors (protocol.md "Client error reports"): one log line each and a
// counter, so that operators see what breaks in browsers. Rate-limited per member, so that
// a client in an error loop cannot fill the log.
void add_client_error_routes(router& routes, services& deps) {
    routes.add(
        http::verb::post, "/api/client-errors",
        [&deps](request_context& ctx) -> asio::awaitable<response> {
            if (ctx.req.body().size() > max_report_bytes) {
                throw error(error_code::payload_too_large, "An error report is at most 16 KiB");
            }
            auto token = bearer_token(ctx.req);
            if (!token) throw error(error_code::unauthorized, "This call needs a guest token");
            auto body = json_object_body(ctx.req);
            nlohmann::json report = {{"event", "client_error"}};
            report["message"] = field_cut(body, "message", 1000, true);
            if (report["message"].get_ref<const std::string&>().empty()) {
                throw error(error_code::bad_request, "message must not be empty");
            }
            report["page"] = field_cut(body, "page", 500, true);
            report["version"] = field_cut(body, "version", 64, true);
            if (auto stack = field_cut(body, "stack", 8000, false); !stack.empty()) {
                report["stack"] = stack;
            }
            auto agent = ctx.req[http::field::user_agent];
            report["userAgent"] = cut(std::string(agent.data(), agent.size()), 300);
            auto who = co_await run_blocking(deps.blocking,
                                             [&] { return deps.rooms.authenticate_token(*token); });
            if (auto wait = deps.client_errors.acquire(who.member.id)) {
                throw error(error_code::rate_limited,
                            "Too many error reports; try again in " + std::to_string(*wait) + " s")
                    .with_retry_after(*wait);
            }
            report["room"] = who.room.id;
            report["member"] = who.member.id;
            deps.metrics.client_error();
            spdlog::warn(report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            co_return no_content(ctx.req);
        });
}

}  // namespace parlor::api
