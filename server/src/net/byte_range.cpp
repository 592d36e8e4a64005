#include "net/byte_range.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace parlor::net {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

range_request parse_range(std::string_view h, std::uint64_t size) {
    if (!h.starts_with("bytes=") || h.find(',') != std::string_view::npos) return {};
    auto spec = h.substr(6);
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    auto from = spec.substr(0, dash), to = spec.substr(dash + 1);
    if (from.empty()) {  // the last N bytes
        auto n = number(to);
        if (!n) return {};
        if (*n == 0 || size == 0) return {std::nullopt, false};
        return {byte_range{size - std::min(*n, size), size - 1}};
    }
    auto first = number(from);
    auto last = to.empty() ? std::optional<std::uint64_t>(UINT64_MAX) : number(to);
    if (!first || !last || *last < *first) return {};
    if (*first >= size) return {std::nullopt, false};
    return {byte_range{*first, std::min(*last, size - 1)}};
}

}  // namespace parlor::net
