#pragma once

#include <string>
#include <string_view>

namespace parlor::rooms {

inline constexpr std::size_t max_display_name_chars = 64;

// The display name a person asked for, trimmed of surrounding whitespace. Throws
// parlor::error(invalid_display_name) with a message a person can act on when the name is
// empty, longer than 64 characters (Unicode code points), not UTF-8, holds control
// characters (C0, DEL, C1, line/paragraph separators, bidirectional overrides), or holds
// invisible characters (Unicode's default-ignorables: zero-width spaces, joiners, word
// joiner, BOM, direction marks, variation selectors, tags, ...) anywhere they do no visible
// work, so that two names that look the same are the same. Kept: a zero-width joiner
// between two emoji (👩‍💻) or between two letters of a script that joins (Arabic, Indic),
// a zero-width non-joiner between two such letters, a presentation selector after an
// emoji (❤️) or in a keycap (1️⃣), a subdivision flag's tags (🏴 + tags).
std::string validated_display_name(std::string_view requested);

}  // namespace parlor::rooms
