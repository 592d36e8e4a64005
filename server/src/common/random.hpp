#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace parlor {

// Cryptographically secure bytes from OpenSSL's CSPRNG. Throws if the generator fails,
// which only happens when the system cannot seed it.
void fill_random(std::span<std::uint8_t> out);

// RFC 4122 version 4 UUID, lowercase, e.g. "3f0c2a8e-5b1d-4c6f-9a7e-0d2b4c6e8f10".
std::string uuid_v4();

// `count` random bytes as lowercase hex.
std::string random_hex(std::size_t count);

}  // namespace parlor
