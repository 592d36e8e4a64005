#include "net/transfer_coding.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace parlor::net {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

bool supported_transfer_coding(std::optional<std::string_view> transfer_encoding,
                               unsigned version) {
    if (!transfer_encoding) return true;
    if (version < 11) return false;  // HTTP/1.0 has no transfer codings
    std::size_t codings = 0;
    std::string_view list = *transfer_encoding;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto element = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        auto first = element.find_first_not_of(" \t");
        if (first == std::string_view::npos) continue;  // an empty list element
        element = element.substr(first, element.find_last_not_of(" \t") - first + 1);
        // chunked takes no parameters (RFC 9112 7.1): "chunked;x=1" is not it either.
        if (!equals_ignoring_case(element, "chunked")) return false;
        ++codings;
    }
    return codings == 1;
}

}  // namespace parlor::net
