#pragma once

#include <filesystem>
#include <string>

namespace parlor::auth {

// The token signing secret: the configured one if given, else the one kept in
// `<data_dir>/token-secret` (created once, mode 0600, 32 random bytes as hex), so that
// tokens survive restarts. Throws std::runtime_error if the file cannot be read or made.
std::string load_or_create_secret(const std::string& configured,
                                  const std::filesystem::path& data_dir);

}  // namespace parlor::auth
