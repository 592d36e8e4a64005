#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/rate_limiter.hpp"
#include "rooms/caller.hpp"
#include "store/metadata_store.hpp"

namespace parlor::rooms {

struct chat_limits {
    int messages_per_minute = 30;             // per member; 0: no limit
    std::int64_t room_max_messages = 10'000;  // a room's whole history
};

constexpr std::size_t max_chat_text_chars = 4000;

// A chat message's text as the room keeps it (protocol.md "Chat"): trimmed, line breaks as
// "\n", 1 to 4,000 code points, no control characters but line breaks and tabs. Throws
// error(bad_request) naming what is wrong.
std::string chat_text(std::string_view typed);

// The room's chat: messages stored and numbered like every room event, and their history.
// Blocking (it calls the store): run it on the blocking pool.
class chat_service {
  public:
    chat_service(store::metadata_store& store, const clock& clock, chat_limits limits);

    // `text` has passed chat_text(). Throws rate_limited past the member's rate, and
    // quota_exceeded when the room's chat is full.
    store::message_record post(const caller& who, std::string text);
    // Up to `limit` messages before `before_id` (the latest without it), oldest first;
    // bad_request when `before_id` is not a message of the caller's room.
    std::vector<store::message_record> history(const caller& who, std::string_view before_id,
                                               int limit);

  private:
    store::metadata_store& store_;
    const clock& clock_;
    chat_limits limits_;
    auth::rate_limiter posts_;  // keyed by member id
};

}  // namespace parlor::rooms
