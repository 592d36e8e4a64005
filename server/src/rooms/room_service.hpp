#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_service.hpp"
#include "rooms/call_service.hpp"
#include "bus/presence.hpp"
#include "rooms/room_events.hpp"
#include "store/metadata_store.hpp"

namespace parlor::rooms {

// A room as the member who asked sees it after creating or joining.
struct admission {
    store::room_record room;
    store::member_record member;
    auth::issued_token token;
};

struct member_view {
    store::member_record member;
    bool online = false;
};

// A member's row changed (their hand): the member as the room shows them, and the
// event's number (0: nothing changed, the event goes to the asker only).
struct member_change {
    member_view member;
    std::int64_t seq = 0;
};

// The room's lock was set: the room as it is now, and room:updated's number (0: it was
// so already).
struct lock_change {
    store::room_record room;
    std::int64_t seq = 0;
};

struct room_snapshot {
    store::room_record room;
    std::string self;
    std::vector<member_view> members;
    std::optional<store::call_record> call;
    std::vector<store::file_record> files;        // visible ones, oldest first
    std::vector<store::message_record> messages;  // the latest, oldest first
    int call_capacity = 0;                        // people one call can hold
    std::int64_t seq = 0;                         // the number of the room's last event it reflects
    std::vector<std::string> blocked_file_types;  // what uploads refuse (--blocked-file-types)

    // Whether the member was in the room (had not left) when the snapshot was read.
    bool has_member(std::string_view member_id) const {
        return std::ranges::any_of(members,
                                   [&](const member_view& m) { return m.member.id == member_id; });
    }
};

// A socket's member, authenticated by its token alone (the token names the room).
struct attendee {
    store::room_record room;
    store::member_record member;
    millis token_expires_at = 0;  // the socket closes then
};

// The rules of rooms and guest identity. Blocking (it calls the store): run it on the
// blocking pool. Inputs are already validated types; failures are parlor::error.
class room_service {
  public:
    room_service(store::metadata_store& store, const auth::token_service& tokens,
                 const bus::presence& presence, call_service& calls, const clock& clock,
                 std::vector<std::string> blocked_file_types = {});

    // Who hears of departures; set once at startup, before any request.
    void notify(room_events& events) { events_ = &events; }

    admission create_room(const std::string& display_name);

    // Join `typed_code` as a new member named `display_name`, or, with `bearer` valid for
    // this room, come back as the same member (renamed when a name is given).
    admission join_room(std::string_view typed_code, const std::optional<std::string>& display_name,
                        const std::optional<std::string>& bearer);

    // `bearer` is required; it is optional in the signature so that an unknown room is
    // reported as such (404) before a missing token (401).
    room_snapshot state(std::string_view typed_code, const std::optional<std::string>& bearer);

    // The member leaves for good: they leave the call they are in, their token stops
    // working, and the room_events hear of it.
    departure leave(std::string_view typed_code, const std::optional<std::string>& bearer);
    departure leave(const caller& who);

    // Host controls, for the room's creator only (forbidden otherwise).
    // Locks or unlocks the room: while locked, joins without a member's token are refused.
    lock_change set_locked(const caller& host, bool locked);
    // The member leaves for good as in leave(), removed: their token is revoked.
    departure remove(const caller& host, std::string_view member_id);

    // Raised hands: anyone raises and lowers their own; the room's creator lowers anyone's.
    member_change raise_hand(const caller& who);
    member_change lower_hand(const caller& who, std::string_view member_id);

    // For REST calls on a room's resources (files, ICE servers): who the bearer is in that
    // room, checked as state() checks it, without reading the room's contents.
    caller member_of(std::string_view typed_code, const std::optional<std::string>& bearer);

    // For sockets: the member and room a token names, if the member has not left.
    attendee authenticate_token(const std::string& token);
    room_snapshot snapshot(const store::room_record& room, std::string_view self_id);
    // The number of an event that changes nothing in the store (someone came online or
    // went offline): see store::metadata_store.
    std::int64_t number_event(std::string_view room_id) { return store_.number_event(room_id); }

  private:
    struct authenticated {
        store::room_record room;
        store::member_record member;
    };
    store::room_record find_room(std::string_view typed_code);
    authenticated authenticate(std::string_view typed_code,
                               const std::optional<std::string>& bearer);
    admission admit(store::room_record room, store::member_record member);
    // A member who left is refused: as revoked when they were removed.
    static void check_present(const store::member_record& member);
    // The member `member_id` of the caller's room, present (bad_request otherwise).
    store::member_record present_member(const caller& who, std::string_view member_id);
    member_change changed_member(const caller& who, std::string_view member_id, std::int64_t seq);

    store::metadata_store& store_;
    const auth::token_service& tokens_;
    const bus::presence& presence_;
    call_service& calls_;
    const clock& clock_;
    std::vector<std::string> blocked_file_types_;
    room_events* events_ = nullptr;
};

}  // namespace parlor::rooms
