#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/request.hpp"

namespace parlor::api {

using handler = std::function<asio::awaitable<response>(request_context&)>;

// Maps `/api/...` paths to handlers. Patterns are literal segments and `:name` segments
// (any one non-empty segment, handed to the handler in `params`). Errors thrown by a
// handler become the protocol's error replies here, in one place.
class router {
  public:
    void add(http::verb method, std::string pattern, handler handle);

    asio::awaitable<response> dispatch(request_context& ctx) const;

  private:
    struct route {
        http::verb method;
        std::string pattern;
        std::vector<std::string> segments;
        handler handle;
    };
    std::vector<route> routes_;
};

// Splits "/api/rooms/x/join?y" into {"api","rooms","x","join"}.
std::vector<std::string> path_segments(std::string_view target);

}  // namespace parlor::api
