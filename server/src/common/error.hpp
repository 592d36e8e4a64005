#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parlor {

// The protocol's stable error codes (protocol.md, "Errors"). The edge turns an `error`
// into an HTTP status or a WebSocket `error` event; nothing else formats errors.
enum class error_code {
    bad_request,
    invalid_display_name,
    room_not_found,
    unauthorized,
    token_revoked,
    forbidden,
    not_found,
    method_not_allowed,
    rate_limited,
    payload_too_large,
    call_active,
    no_active_call,
    call_full,
    not_in_call,
    unknown_peer,
    file_not_found,
    upload_incomplete,
    checksum_mismatch,
    upload_in_progress,
    quota_exceeded,
    storage_full,
    room_locked,
    file_type_not_allowed,
    unsupported,
    unavailable,
    internal,
};

std::string_view code_name(error_code code);
int http_status(error_code code);

class error : public std::runtime_error {
  public:
    error(error_code code, std::string message)
        : std::runtime_error(std::move(message)), code_(code) {}

    error_code code() const { return code_; }
    // Seconds the client should wait before retrying (rate_limited only).
    std::optional<int> retry_after_seconds() const { return retry_after_; }
    error& with_retry_after(int seconds) {
        retry_after_ = seconds;
        return *this;
    }

  private:
    error_code code_;
    std::optional<int> retry_after_;
};

}  // namespace parlor
