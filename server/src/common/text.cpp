#include "common/text.hpp"

#include <cstdint>

namespace parlor {

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

std::optional<std::vector<decoded>> decode_utf8_text(std::string_view s) {
    std::vector<decoded> chars;
    for (std::size_t at = 0; at < s.size();) {
        auto d = decode_utf8(s.substr(at));
        if (!d) return std::nullopt;
        chars.push_back(*d);
        at += d->length;
    }
    return chars;
}

}  // namespace parlor
