#include "rooms/display_name.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include "common/error.hpp"

namespace parlor::rooms {
namespace {

struct decoded {
    char32_t code_point;
    std::size_t length;
};

// One UTF-8 sequence at `s`, rejecting overlong forms, surrogates and values past U+10FFFF.
std::optional<decoded> decode_utf8(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    std::uint8_t lead = byte(0);
    std::size_t length;
    char32_t cp;
    if (lead < 0x80) return decoded{lead, 1};
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
        cp = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        cp = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        cp = lead & 0x07;
    } else {
        return std::nullopt;
    }
    if (s.size() < length) return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i) & 0x3f);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return std::nullopt;
    }
    return decoded{cp, length};
}

bool is_control(char32_t cp) {
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool is_space(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f || cp == 0xfeff;
}

[[noreturn]] void refuse(std::string message) {
    throw error(error_code::invalid_display_name, std::move(message));
}

}  // namespace

std::string validated_display_name(std::string_view requested) {
    std::vector<decoded> chars;
    for (std::size_t at = 0; at < requested.size();) {
        auto d = decode_utf8(requested.substr(at));
        if (!d) refuse("Display name is not valid UTF-8 text");
        chars.push_back(*d);
        at += d->length;
    }
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
        if (is_control(chars[i].code_point)) {
            refuse("Display name must not contain control characters");
        }
        length += chars[i].length;
    }
    return std::string(requested.substr(begin, length));
}

}  // namespace parlor::rooms
