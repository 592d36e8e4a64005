#pragma once

// The checks of flag values that need more than a range: each trims (and normalises) the
// value in place and refuses what cannot work, so that a typo stops the start instead of
// every request.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace parlor::app {

// A URL list entry: one of `schemes` followed by something.
CLI::Validator url_with_scheme(std::vector<std::string> schemes);
// A listening address, HOST:PORT with an IP address for HOST ([...] around IPv6).
CLI::Validator host_and_port();
// A --blocked-file-types entry, lowercased: ".exe", "application/x-msdownload", "video/*".
CLI::Validator file_type();
// A --trusted-proxy entry: an address or a CIDR block.
CLI::Validator cidr_block();

}  // namespace parlor::app
