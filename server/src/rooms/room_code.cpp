#include "rooms/room_code.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "common/random.hpp"

namespace parlor::rooms {

std::string generate_room_code() {
    std::array<std::uint8_t, 8> bytes{};
    fill_random(bytes);
    std::uint64_t bits = 0;
    std::memcpy(&bits, bytes.data(), bytes.size());
    std::string code(room_code_length, '0');
    for (auto& c : code) {  // 12 x 5 = 60 bits, each character uniform over 32 symbols
        c = room_code_alphabet[bits & 0x1f];
        bits >>= 5;
    }
    return code;
}

std::optional<std::string> canonical_room_code(std::string_view typed) {
    std::string code;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == 'o') c = '0';
        if (c == 'i' || c == 'l') c = '1';
        if (room_code_alphabet.find(c) == std::string_view::npos) return std::nullopt;
        if (code.size() == room_code_length) return std::nullopt;
        code.push_back(c);
    }
    if (code.size() != room_code_length) return std::nullopt;
    return code;
}

std::string display_room_code(std::string_view canonical) {
    std::string shown;
    for (std::size_t i = 0; i < canonical.size(); ++i) {
        if (i > 0 && i % 4 == 0) shown.push_back('-');
        shown.push_back(canonical[i]);
    }
    return shown;
}

}  // namespace parlor::rooms
