#include "common/json_text.hpp"

namespace parlor {
namespace {

// Whether brackets outside strings nest deeper than `limit` (or the text holds a NUL).
// Malformed text may pass: the parser refuses it.
bool too_deep_or_nul(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\0') return true;
        if (in_string) {
            if (c == '\\') {
                if (i + 1 < text.size() && text[i + 1] == '\0') return true;
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

}  // namespace

nlohmann::json parse_json(std::string_view text) {
    if (too_deep_or_nul(text, max_json_depth)) return nlohmann::json::value_t::discarded;
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace parlor
