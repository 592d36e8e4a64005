#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "blobs/local_blob_store.hpp"
#include "common/asio.hpp"
#include "realtime/transport.hpp"

namespace parlor::net {

using realtime::transport;  // a connection's stream, plain or TLS

// How a transfer went, for the request log.
struct transfer_result {
    unsigned status = 0;
    std::uint64_t bytes = 0;  // body bytes moved
    bool keep_alive = false;
};

// The local store's signed links, `/blobs/<key>?…`: PUT streams the body to disk (never
// whole in memory; the writes and the final flush run on `disk`, the blocking pool), GET
// and HEAD send the object with sendfile(2) (through TLS: read and written), one byte range
// if asked. `header` has been
// read; the body (if any) has not. A PUT is taken only while `upload_wanted` says its
// upload is still pending (asked on `disk`): a link outlives its upload when that upload is
// completed, refused or deleted with its room.
asio::awaitable<transfer_result> serve_blob(
    transport& stream, beast::flat_buffer& buffer, http::request_parser<http::empty_body>& header,
    blobs::local_blob_store& store,
    const std::function<bool(std::string_view storage_key)>& upload_wanted,
    asio::thread_pool& disk);

}  // namespace parlor::net
