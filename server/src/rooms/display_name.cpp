#include "rooms/display_name.hpp"

#include <cstdio>
#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"

namespace parlor::rooms {
namespace {

constexpr char32_t zero_width_non_joiner = 0x200c;
constexpr char32_t zero_width_joiner = 0x200d;
constexpr char32_t text_presentation = 0xfe0e;   // variation selector 15
constexpr char32_t emoji_presentation = 0xfe0f;  // variation selector 16
constexpr char32_t combining_keycap = 0x20e3;
constexpr char32_t black_flag = 0x1f3f4;
constexpr char32_t cancel_tag = 0xe007f;

[[noreturn]] void refuse(std::string message) {
    throw error(error_code::invalid_display_name, std::move(message));
}

bool is_skin_tone(char32_t cp) {
    return cp >= 0x1f3fb && cp <= 0x1f3ff;
}

bool is_tag_spec(char32_t cp) {
    return cp >= 0xe0020 && cp <= 0xe007e;
}

// Scripts whose letters join or form conjuncts, where ZWJ and ZWNJ change what is drawn
// (a Persian name may need a ZWNJ): Arabic, Syriac, Thaana, N'Ko and their supplements, and
// the Indic scripts from Devanagari to Sinhala.
bool shapes_with_joiners(char32_t cp) {
    return (cp >= 0x0600 && cp <= 0x08ff) || (cp >= 0x0900 && cp <= 0x0dff);
}

// The end of an emoji that a ZWJ may link to the next one: a pictograph, possibly with its
// skin tone, presentation selector or tag sequence.
bool ends_emoji(char32_t cp) {
    return is_extended_pictographic(cp) || is_skin_tone(cp) || cp == emoji_presentation ||
           cp == cancel_tag;
}

// After a black flag, a subdivision flag's tags (🏴 + tag letters + cancel tag): how many
// code points they take, 0 when what follows is not such a sequence.
std::size_t tag_sequence_length(const std::vector<decoded>& chars, std::size_t from,
                                std::size_t end) {
    std::size_t at = from;
    while (at < end && is_tag_spec(chars[at].code_point)) ++at;
    if (at == from || at == end || chars[at].code_point != cancel_tag) return 0;
    return at + 1 - from;
}

// Whether the invisible character at `i` does visible work where it stands: joins two
// emoji into one (👩‍💻), selects an emoji's presentation (❤️, 1️⃣), or shapes the
// letters of a script that needs it. Anywhere else it only hides a difference between two names.
bool invisible_but_meaningful(const std::vector<decoded>& chars, std::size_t i, std::size_t first,
                              std::size_t last) {
    char32_t cp = chars[i].code_point;
    if (i == first) return false;  // nothing invisible starts a name
    char32_t before = chars[i - 1].code_point;
    if (i + 1 == last) {
        // Only a presentation selector may end one, after its emoji.
        return (cp == emoji_presentation || cp == text_presentation) &&
               is_extended_pictographic(before);
    }
    char32_t after = chars[i + 1].code_point;
    switch (cp) {
        case zero_width_joiner:
            return (ends_emoji(before) && is_extended_pictographic(after)) ||
                   (shapes_with_joiners(before) && shapes_with_joiners(after));
        case zero_width_non_joiner:
            return shapes_with_joiners(before) && shapes_with_joiners(after);
        case emoji_presentation:
        case text_presentation:
            return is_extended_pictographic(before) ||
                   (after == combining_keycap &&
                    ((before >= '0' && before <= '9') || before == '#' || before == '*'));
        default:
            return false;
    }
}

std::string code_point_name(char32_t cp) {
    char name[16];
    std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(cp));
    return name;
}

}  // namespace

std::string validated_display_name(std::string_view requested) {
    auto decoded_chars = decode_utf8_text(requested);
    if (!decoded_chars) refuse("Display name is not valid UTF-8 text");
    const auto& chars = *decoded_chars;
    std::size_t first = 0, last = chars.size();
    while (first < last && is_space(chars[first].code_point)) ++first;
    while (last > first && is_space(chars[last - 1].code_point)) --last;
    if (first == last) refuse("Display name must not be empty");
    if (last - first > max_display_name_chars) {
        refuse("Display name must be at most 64 characters");
    }
    std::size_t begin = 0;
    for (std::size_t i = 0; i < first; ++i) begin += chars[i].length;
    std::size_t length = 0;
    for (std::size_t i = first; i < last; ++i) {
        char32_t cp = chars[i].code_point;
        if (is_control(cp)) refuse("Display name must not contain control characters");
        if (is_default_ignorable(cp) && !invisible_but_meaningful(chars, i, first, last)) {
            refuse(
                "Display name must not contain invisible characters such as zero-width "
                "spaces (found " +
                code_point_name(cp) + ")");
        }
        length += chars[i].length;
        if (cp == black_flag) {
            for (auto tags = tag_sequence_length(chars, i + 1, last); tags > 0; --tags) {
                length += chars[++i].length;
            }
        }
    }
    return std::string(requested.substr(begin, length));
}

}  // namespace parlor::rooms
