#pragma once

#include <string>
#include <string_view>

namespace parlor::blobs {

// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266
// and RFC 8187), so every browser saves the file under its name and none displays it.
std::string attachment_disposition(std::string_view filename);

}  // namespace parlor::blobs
