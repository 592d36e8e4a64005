#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parlor::net {

// The Range header of a download (RFC 9110 14.2), without network types.

struct byte_range {
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive
};

// One `bytes=` range. A header we do not understand (or several ranges) is ignored, as
// RFC 9110 allows: the whole object goes out. `satisfiable` is false for a range that
// starts past the end.
struct range_request {
    std::optional<byte_range> range;
    bool satisfiable = true;
};

range_request parse_range(std::string_view header, std::uint64_t size);

}  // namespace parlor::net
