#include "api/router.hpp"

#include <spdlog/spdlog.h>

#include "api/response.hpp"
#include "common/error.hpp"

namespace parlor::api {

std::vector<std::string> path_segments(std::string_view target) {
    target = target.substr(0, target.find_first_of("?#"));
    std::vector<std::string> segments;
    while (!target.empty()) {
        auto slash = target.find('/');
        auto segment = target.substr(0, slash);
        if (!segment.empty()) segments.emplace_back(segment);
        if (slash == std::string_view::npos) break;
        target.remove_prefix(slash + 1);
    }
    return segments;
}

void router::add(http::verb method, std::string pattern, handler handle) {
    auto segments = path_segments(pattern);
    routes_.push_back({method, std::move(pattern), std::move(segments), std::move(handle)});
}

asio::awaitable<response> router::dispatch(request_context& ctx) const {
    const auto& req = ctx.req;
    // HEAD is GET without the body, as HTTP says.
    const auto method = req.method() == http::verb::head ? http::verb::get : req.method();
    auto segments = path_segments(std::string_view(req.target().data(), req.target().size()));
    const route* found = nullptr;
    std::string allowed;  // methods of the routes whose path matches, for 405's Allow
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) continue;
        std::vector<std::string> params;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            if (r.segments[i].starts_with(':')) {
                params.push_back(segments[i]);
            } else {
                match = r.segments[i] == segments[i];
            }
        }
        if (!match) continue;
        if (r.method == method) {
            found = &r;
            ctx.params = std::move(params);
            ctx.route = r.pattern;
            break;
        }
        auto name = http::to_string(r.method);
        allowed += (allowed.empty() ? "" : ", ") + std::string(name.data(), name.size());
        if (r.method == http::verb::get) allowed += ", HEAD";
    }
    try {
        if (!found && !allowed.empty()) {
            auto refusal = error_response(
                req.version(), req.keep_alive(),
                error(error_code::method_not_allowed, "This method is not allowed here"));
            refusal.set(http::field::allow, allowed);
            co_return refusal;
        }
        if (!found) throw error(error_code::not_found, "No such API route");
        auto res = co_await found->handle(ctx);
        if (req.method() == http::verb::head) {
            auto length = res.body().size();
            res.body().clear();
            res.content_length(length);
        }
        co_return res;
    } catch (const error& failure) {
        co_return error_response(req.version(), req.keep_alive(), failure);
    } catch (const std::exception& e) {
        // Internals stay in the log, with the request id to find them.
        spdlog::error("request {} failed: {}", ctx.request_id, e.what());
        co_return error_response(req.version(), req.keep_alive(),
                                 error(error_code::internal, "Something went wrong on our side"));
    }
}

}  // namespace parlor::api
