#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parlor {

// Nesting deeper than this is refused: no message of the protocol comes near it, and
// nlohmann copies and compares trees recursively, so that a 64 KiB frame of brackets
// (32,000 levels) would otherwise take the thread's whole stack. The JSON scanner has the
// same limit.
inline constexpr int max_json_depth = 64;

// JSON text from the network as a tree; a discarded value when it is not JSON (RFC 8259)
// or nests deeper than max_json_depth. nlohmann::json::parse alone takes a NUL byte for the
// end of the text and ignores what follows ({"a":1}<NUL>anything reads as {"a":1}); a NUL
// is never valid outside a string and must be escaped inside one, so text holding one is
// refused here.
nlohmann::json parse_json(std::string_view text);

}  // namespace parlor
