#include <spdlog/spdlog.h>

#include "api/response.hpp"
#include "api/services.hpp"
#include "common/blocking.hpp"

namespace parlor::api {

void add_health_routes(router& routes, services& deps) {
    routes.add(
        http::verb::get, "/api/health", [&deps](request_context& ctx) -> asio::awaitable<response> {
            auto checks = co_await run_blocking(deps.blocking, [&deps] {
                auto probe = [](auto&& check) -> std::string {
                    try {
                        check();
                        return "ok";
                    } catch (const std::exception&) {
                        return "error";
                    }
                };
                return nlohmann::json{
                    {"db", probe([&] { deps.store.check(); })},
                    {"blobs", probe([&] { deps.blobs.check(); })},
                    {"bus", deps.events ? std::string(deps.events->health()) : "disabled"},
                };
            });
            // Cut off from the other instances, this one would serve rooms that miss events.
            bool healthy =
                checks["db"] == "ok" && checks["blobs"] == "ok" && checks["bus"] != "error";
            co_return json_response(ctx.req,
                                    healthy ? http::status::ok : http::status::service_unavailable,
                                    {{"status", healthy ? "ok" : "unavailable"},
                                     {"version", PARLOR_VERSION},
                                     {"checks", checks}});
        });
}

}  // namespace parlor::api
