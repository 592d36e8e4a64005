#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parlor::rooms {

// Room codes: 12 characters of Crockford base32 (60 bits from the CSPRNG). Stored in
// canonical form (lowercase, no dashes), shown as "xxxx-xxxx-xxxx".
inline constexpr std::string_view room_code_alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
inline constexpr std::size_t room_code_length = 12;

std::string generate_room_code();

// Canonical form of what a person typed: case-insensitive, dashes and spaces ignored, and
// Crockford's look-alikes read as the digits they resemble (o -> 0, i and l -> 1).
// nullopt when it cannot be a room code at all.
std::optional<std::string> canonical_room_code(std::string_view typed);

// "abcdefghjkmn" -> "abcd-efgh-jkmn"
std::string display_room_code(std::string_view canonical);

}  // namespace parlor::rooms
