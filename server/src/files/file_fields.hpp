#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::files {

constexpr std::size_t max_filename_bytes = 255;

// The name a file is shown and downloaded under: its last path part (no folders), without
// control or bidirectional-override characters, trimmed, at most 255 bytes of UTF-8 with
// its extension kept. Never used as a storage path. Throws parlor::error(bad_request)
// for invalid UTF-8 or a name with nothing left.
std::string display_filename(std::string_view requested);

// `type/subtype` in lowercase, parameters dropped; empty means application/octet-stream
// (what browsers send for unknown types as ""). Throws bad_request when malformed.
std::string normalized_mime_type(std::string_view requested);

// 64 hex digits, returned in lowercase. Throws bad_request otherwise.
std::string normalized_sha256(std::string_view requested);

// The entry of `blocked` (lowercase: ".exe", "application/x-msdownload", "video/*") that
// refuses a file with this display filename and normalized MIME type, said as people read
// it (".exe", "application/x-msdownload", or for a family the file's own type, "video/mp4");
// empty when none does. The extension is the filename's last one, in any case.
std::string blocked_file_type(const std::vector<std::string>& blocked, std::string_view filename,
                              std::string_view mime_type);

}  // namespace parlor::files
