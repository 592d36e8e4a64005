#include "common/error.hpp"

#include <array>

namespace parlor {
namespace {

struct code_info {
    error_code code;
    std::string_view name;
    int http_status;
};

// Call-rule codes are WebSocket errors; were they ever REST answers, they are conflicts.
constexpr std::array<code_info, 26> codes{{
    {error_code::bad_request, "bad_request", 400},
    {error_code::invalid_display_name, "invalid_display_name", 400},
    {error_code::room_not_found, "room_not_found", 404},
    {error_code::unauthorized, "unauthorized", 401},
    // The member was removed from the room by its creator: their token no longer works.
    {error_code::token_revoked, "token_revoked", 401},
    {error_code::forbidden, "forbidden", 403},
    {error_code::not_found, "not_found", 404},
    {error_code::method_not_allowed, "method_not_allowed", 405},
    {error_code::rate_limited, "rate_limited", 429},
    {error_code::payload_too_large, "payload_too_large", 413},
    {error_code::call_active, "call_active", 409},
    {error_code::no_active_call, "no_active_call", 409},
    {error_code::call_full, "call_full", 409},
    {error_code::not_in_call, "not_in_call", 409},
    {error_code::unknown_peer, "unknown_peer", 409},
    {error_code::file_not_found, "file_not_found", 404},
    // The upload is not (all) there yet: the client may retry the PUT, then complete.
    {error_code::upload_incomplete, "upload_incomplete", 409},
    // The bytes arrived but are not the ones declared: retrying the same bytes cannot help.
    {error_code::checksum_mismatch, "checksum_mismatch", 422},
    // Another PUT to the same upload link is still arriving: one at a time per link.
    {error_code::upload_in_progress, "upload_in_progress", 409},
    // A room's file or byte quota, or the server's free-disk floor.
    {error_code::quota_exceeded, "quota_exceeded", 413},
    // The disk filled up while the bytes were arriving; nothing was kept.
    {error_code::storage_full, "storage_full", 507},
    // The room's creator locked it: only its members come back.
    {error_code::room_locked, "room_locked", 423},
    // The operator's --blocked-file-types refuses this kind of file.
    {error_code::file_type_not_allowed, "file_type_not_allowed", 415},
    {error_code::unsupported, "unsupported", 400},
    {error_code::unavailable, "unavailable", 503},
    {error_code::internal, "internal", 500},
}};

const code_info& info(error_code code) {
    for (const auto& entry : codes) {
        if (entry.code == code) return entry;
    }
    return codes.back();  // internal
}

}  // namespace

std::string_view code_name(error_code code) {
    return info(code).name;
}

int http_status(error_code code) {
    return info(code).http_status;
}

}  // namespace parlor
