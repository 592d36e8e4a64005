#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace parlor::json_scan {

// Reading JSON without building a tree: the whole text is validated (RFC 8259, UTF-8
// included) and an object's members come back as spans of the text. For hot paths that
// only route a message and pass most of it on unchanged (signal relaying). It is never
// looser than nlohmann::json::parse: what it accepts, nlohmann reads the same way.

struct member {
    std::string_view key;    // as written between the quotes (escapes left as they are)
    std::string_view value;  // the value's JSON text, without surrounding whitespace
};

struct object_view {
    static constexpr std::size_t capacity = 8;
    std::array<member, capacity> members{};
    std::size_t count = 0;
    bool truncated = false;     // more members than `capacity` (all of them were validated)
    bool escaped_keys = false;  // some key is written with an escape

    // The value of the last member with this key (nlohmann keeps the last of duplicates).
    // Only meaningful when neither `truncated` nor `escaped_keys` is set.
    std::optional<std::string_view> find(std::string_view key) const;
};

enum class scan_result {
    object,      // a valid JSON object; `out` holds its members
    not_object,  // valid JSON, but not an object
    invalid,     // not JSON (or nested deeper than the limit)
};

scan_result scan_object(std::string_view text, object_view& out, int max_depth = 64);

// The same, and when a top-level member named `inner_key` holds an object, that object's
// members too (of the last such member), in one pass over the text.
scan_result scan_object(std::string_view text, object_view& out, std::string_view inner_key,
                        object_view& inner, bool& inner_found, int max_depth = 64);

// A value span that is a JSON string written without escapes: its contents. Anything else
// (another type, or a string with escapes that would need decoding): nullopt.
std::optional<std::string_view> plain_string(std::string_view value);

// Appends `text` to `out` as a JSON string (quotes and escapes added).
void append_quoted(std::string& out, std::string_view text);

}  // namespace parlor::json_scan
