#pragma once

#include <optional>
#include <string_view>

namespace parlor::net {

// RFC 9112 6.1: a request body is framed by Content-Length or by chunked, and chunked must be
// the final (here: the only) transfer coding. Beast takes "chunked, identity" or "gzip" as no
// body at all, which would leave the body to be read as the next request (a desync that a
// proxy reusing its upstream connection turns into one client reading another's answer).
// Beast itself refuses Content-Length together with chunked, and a repeated chunked.
//
// `transfer_encoding` is the request's Transfer-Encoding (several fields joined with commas),
// nullopt when it has none; `version` is 10 or 11. False for anything but chunked alone.
bool supported_transfer_coding(std::optional<std::string_view> transfer_encoding, unsigned version);

}  // namespace parlor::net
