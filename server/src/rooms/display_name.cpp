#include "rooms/display_name.hpp"

#include <vector>

#include "common/error.hpp"
#include "common/text.hpp"

namespace parlor::rooms {
namespace {

[[noreturn]] void refuse(std::string message) {
    throw error(error_code::invalid_display_name, std::move(message));
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
        if (is_control(chars[i].code_point)) {
            refuse("Display name must not contain control characters");
        }
        length += chars[i].length;
    }
    return std::string(requested.substr(begin, length));
}

}  // namespace parlor::rooms
