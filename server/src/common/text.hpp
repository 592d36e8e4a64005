#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace parlor {

// Text from the network, one code point at a time.
struct decoded {
    char32_t code_point;
    std::size_t length;  // bytes of its UTF-8 sequence
};

// One UTF-8 sequence at the start of `s`, rejecting overlong forms, surrogates and values
// past U+10FFFF.
std::optional<decoded> decode_utf8(std::string_view s);
// Every code point of `s`, or nullopt when it is not valid UTF-8.
std::optional<std::vector<decoded>> decode_utf8_text(std::string_view s);

// C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and
// isolates: characters that can disguise or break what a name shows.
bool is_control(char32_t cp);
// Unicode spaces (and BOM) that trimming removes.
bool is_space(char32_t cp);
// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): drawn as nothing at
// all (zero-width spaces and joiners, word joiner, invisible operators, BOM, direction marks
// and controls, variation selectors, Hangul fillers, tags, ...).
bool is_default_ignorable(char32_t cp);
// Unicode's Extended_Pictographic (emoji-data.txt): emoji, and pictographs that may become
// emoji.
bool is_extended_pictographic(char32_t cp);

}  // namespace parlor
