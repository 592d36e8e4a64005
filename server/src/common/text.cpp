#include "common/text.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <span>

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

namespace {

struct code_range {
    char32_t first, last;
};

bool in_ranges(char32_t cp, std::span<const code_range> ranges) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                               [](char32_t c, const code_range& r) { return c < r.first; });
    return it != ranges.begin() && cp <= std::prev(it)->last;
}

// Sorted, from DerivedCoreProperties.txt (checked against Perl's Unicode 14 tables).
constexpr code_range default_ignorables[] = {
    {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x061c, 0x061c}, {0x115f, 0x1160}, {0x17b4, 0x17b5},
    {0x180b, 0x180f},   {0x200b, 0x200f},   {0x202a, 0x202e}, {0x2060, 0x206f}, {0x3164, 0x3164},
    {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},   {0xffa0, 0xffa0}, {0xfff0, 0xfff8}, {0x1bca0, 0x1bca3},
    {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
};

// Sorted, from emoji-data.txt (checked against Perl's Unicode 14 tables).
constexpr code_range pictographics[] = {
    {0x00a9, 0x00a9},   {0x00ae, 0x00ae},   {0x203c, 0x203c},   {0x2049, 0x2049},
    {0x2122, 0x2122},   {0x2139, 0x2139},   {0x2194, 0x2199},   {0x21a9, 0x21aa},
    {0x231a, 0x231b},   {0x2328, 0x2328},   {0x2388, 0x2388},   {0x23cf, 0x23cf},
    {0x23e9, 0x23f3},   {0x23f8, 0x23fa},   {0x24c2, 0x24c2},   {0x25aa, 0x25ab},
    {0x25b6, 0x25b6},   {0x25c0, 0x25c0},   {0x25fb, 0x25fe},   {0x2600, 0x2605},
    {0x2607, 0x2612},   {0x2614, 0x2685},   {0x2690, 0x2705},   {0x2708, 0x2712},
    {0x2714, 0x2714},   {0x2716, 0x2716},   {0x271d, 0x271d},   {0x2721, 0x2721},
    {0x2728, 0x2728},   {0x2733, 0x2734},   {0x2744, 0x2744},   {0x2747, 0x2747},
    {0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},   {0x2757, 0x2757},
    {0x2763, 0x2767},   {0x2795, 0x2797},   {0x27a1, 0x27a1},   {0x27b0, 0x27b0},
    {0x27bf, 0x27bf},   {0x2934, 0x2935},   {0x2b05, 0x2b07},   {0x2b1b, 0x2b1c},
    {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x3030, 0x3030},   {0x303d, 0x303d},
    {0x3297, 0x3297},   {0x3299, 0x3299},   {0x1f000, 0x1f0ff}, {0x1f10d, 0x1f10f},
    {0x1f12f, 0x1f12f}, {0x1f16c, 0x1f171}, {0x1f17e, 0x1f17f}, {0x1f18e, 0x1f18e},
    {0x1f191, 0x1f19a}, {0x1f1ad, 0x1f1e5}, {0x1f201, 0x1f20f}, {0x1f21a, 0x1f21a},
    {0x1f22f, 0x1f22f}, {0x1f232, 0x1f23a}, {0x1f23c, 0x1f23f}, {0x1f249, 0x1f3fa},
    {0x1f400, 0x1f53d}, {0x1f546, 0x1f64f}, {0x1f680, 0x1f6ff}, {0x1f774, 0x1f77f},
    {0x1f7d5, 0x1f7ff}, {0x1f80c, 0x1f80f}, {0x1f848, 0x1f84f}, {0x1f85a, 0x1f85f},
    {0x1f888, 0x1f88f}, {0x1f8ae, 0x1f8ff}, {0x1f90c, 0x1f93a}, {0x1f93c, 0x1f945},
    {0x1f947, 0x1faff}, {0x1fc00, 0x1fffd},
};

}  // namespace

bool is_default_ignorable(char32_t cp) {
    return in_ranges(cp, default_ignorables);
}

bool is_extended_pictographic(char32_t cp) {
    return in_ranges(cp, pictographics);
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
