#pragma once

#include <string>
#include <string_view>

namespace parlor::rooms {

inline constexpr std::size_t max_display_name_chars = 64;

// The display name a person asked for, trimmed of surrounding whitespace. Throws
// parlor::error(invalid_display_name) with a message a person can act on when the name is
// empty, longer than 64 characters (Unicode code points), not UTF-8, or holds control
// characters (C0, DEL, C1, line/paragraph separators, bidirectional overrides).
std::string validated_display_name(std::string_view requested);

}  // namespace parlor::rooms
