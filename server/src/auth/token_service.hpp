#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace parlor::auth {

// What a verified guest token says: this member of this room, until `expires_at`.
struct token_claims {
    std::string member_id;
    std::string room_id;
    millis issued_at = 0;
    millis expires_at = 0;
};

struct issued_token {
    std::string token;
    millis expires_at = 0;
};

// Guest tokens: JWT, HS256 only, signed with the server secret.
class token_service {
  public:
    token_service(std::string secret, const clock& clock, std::chrono::seconds lifetime);

    issued_token issue(std::string_view member_id, std::string_view room_id) const;

    // Throws parlor::error(unauthorized) unless the token is an HS256 JWT with our signature,
    // unexpired, not issued in the future (60 s leeway), with `sub` and `room` claims.
    // Whether the member has since left is the caller's check (it needs the store).
    token_claims verify(std::string_view token) const;

  private:
    std::string secret_;
    const clock& clock_;
    std::chrono::seconds lifetime_;
};

}  // namespace parlor::auth
