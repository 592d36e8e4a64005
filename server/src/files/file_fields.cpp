#include "files/file_fields.hpp"

#include <cctype>

#include <algorithm>
#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"

namespace parlor::files {
namespace {

[[noreturn]] void refuse(std::string message) {
    throw error(error_code::bad_request, std::move(message));
}

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s, std::size_t max) {
    return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), is_token_char);
}

// The longest prefix of `chars` that fits in `budget` bytes.
std::size_t fitting(const std::vector<decoded>& chars, std::size_t from, std::size_t to,
                    std::size_t budget) {
    std::size_t used = 0, end = from;
    while (end < to && used + chars[end].length <= budget) used += chars[end++].length;
    return end;
}

std::string encode(const std::vector<decoded>& chars, std::string_view source,
                   const std::vector<std::size_t>& offsets, std::size_t from, std::size_t to) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) out += source.substr(offsets[i], chars[i].length);
    return out;
}

}  // namespace

std::string display_filename(std::string_view requested) {
    auto decoded_chars = decode_utf8_text(requested);
    if (!decoded_chars) refuse("filename is not valid UTF-8 text");
    // Keep the last path part, minus the characters that must never show.
    std::vector<decoded> chars;
    std::vector<std::size_t> offsets;
    std::size_t offset = 0;
    for (const auto& d : *decoded_chars) {
        if (d.code_point == '/' || d.code_point == '\\') {
            chars.clear();
            offsets.clear();
        } else if (!is_control(d.code_point)) {
            chars.push_back(d);
            offsets.push_back(offset);
        }
        offset += d.length;
    }
    std::size_t first = 0, last = chars.size();
    while (first < last && is_space(chars[first].code_point)) ++first;
    while (last > first && is_space(chars[last - 1].code_point)) --last;
    auto name = encode(chars, requested, offsets, first, last);
    if (name.empty() || name == "." || name == "..") refuse("filename must name a file");
    if (name.size() <= max_filename_bytes) return name;

    // Too long: shorten the stem and keep a short extension ("report….pdf" stays a PDF).
    std::size_t dot = last;
    for (std::size_t i = last; i > first + 1; --i) {
        if (chars[i - 1].code_point == '.') {
            dot = i - 1;
            break;
        }
    }
    if (last - dot > 16) dot = last;  // no extension worth keeping
    std::size_t extension_bytes = 0;
    for (std::size_t i = dot; i < last; ++i) extension_bytes += chars[i].length;
    auto stem_end = fitting(chars, first, dot, max_filename_bytes - extension_bytes);
    // A cut may end the stem with a space, and without an extension the name would end in it.
    while (stem_end > first && is_space(chars[stem_end - 1].code_point)) --stem_end;
    return encode(chars, requested, offsets, first, stem_end) +
           encode(chars, requested, offsets, dot, last);
}

std::string normalized_mime_type(std::string_view requested) {
    std::string type(requested.substr(0, requested.find(';')));
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto not_space = [](unsigned char c) { return c != ' ' && c != '\t'; };
    type.erase(type.begin(), std::find_if(type.begin(), type.end(), not_space));
    type.erase(std::find_if(type.rbegin(), type.rend(), not_space).base(), type.end());
    if (type.empty()) return "application/octet-stream";
    auto slash = type.find('/');
    if (slash == std::string::npos || !is_token(std::string_view(type).substr(0, slash), 63) ||
        !is_token(std::string_view(type).substr(slash + 1), 127)) {
        refuse("mimeType must look like type/subtype");
    }
    return type;
}

std::string normalized_sha256(std::string_view requested) {
    std::string hex(requested);
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool valid = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                 });
    if (!valid) refuse("sha256 must be 64 hexadecimal digits");
    return hex;
}

std::string blocked_file_type(const std::vector<std::string>& blocked, std::string_view filename,
                              std::string_view mime_type) {
    std::string extension;
    if (auto dot = filename.rfind('.'); dot != std::string_view::npos && dot > 0) {
        for (char c : filename.substr(dot)) {
            extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    auto family = mime_type.substr(0, mime_type.find('/') + 1);  // "video/"
    for (const auto& entry : blocked) {
        if (entry.starts_with('.')) {
            if (entry == extension) return entry;
        } else if (entry.ends_with("/*")) {
            if (entry.substr(0, entry.size() - 1) == family) return std::string(mime_type);
        } else if (entry == mime_type) {
            return entry;
        }
    }
    return {};
}

}  // namespace parlor::files
