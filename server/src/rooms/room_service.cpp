#include "rooms/room_service.hpp"

#include "common/error.hpp"
#include "common/random.hpp"
#include "rooms/room_code.hpp"

namespace parlor::rooms {

room_service::room_service(store::metadata_store& store, const auth::token_service& tokens,
                           const bus::presence& presence, call_service& calls, const clock& clock,
                           std::vector<std::string> blocked_file_types)
    : store_(store),
      tokens_(tokens),
      presence_(presence),
      calls_(calls),
      clock_(clock),
      blocked_file_types_(std::move(blocked_file_types)) {}

admission room_service::create_room(const std::string& display_name) {
    millis now = clock_.now();
    store::member_record creator{uuid_v4(), uuid_v4(), display_name, now, std::nullopt};
    store::room_record room{creator.room_id, "", now, creator.id};
    // 60 random bits make a clash vanishingly rare; the unique index makes it harmless.
    for (int attempt = 0; attempt < 8; ++attempt) {
        room.code = generate_room_code();
        if (store_.insert_room_with_creator(room, creator)) return admit(room, creator);
    }
    throw error(error_code::internal, "Could not allocate a room code");
}

admission room_service::join_room(std::string_view typed_code,
                                  const std::optional<std::string>& display_name,
                                  const std::optional<std::string>& bearer) {
    if (bearer) {
        auto [room, member] = authenticate(typed_code, bearer);
        store_.touch_room(room.id, clock_.now());  // a member coming back is activity
        if (display_name && *display_name != member.display_name) {
            store_.rename_member(member.id, *display_name);
            member.display_name = *display_name;
        }
        return admit(std::move(room), std::move(member));
    }
    auto room = find_room(typed_code);
    if (!display_name) throw error(error_code::bad_request, "displayName is required");
    store::member_record member{uuid_v4(), room.id, *display_name, clock_.now(), std::nullopt};
    if (!store_.insert_member(member)) {
        throw error(error_code::room_locked, "This room is locked");
    }
    return admit(std::move(room), std::move(member));
}

room_snapshot room_service::state(std::string_view typed_code,
                                  const std::optional<std::string>& bearer) {
    auto [room, self] = authenticate(typed_code, bearer);
    return snapshot(room, self.id);
}

room_snapshot room_service::snapshot(const store::room_record& room, std::string_view self_id) {
    auto contents = store_.read_room_contents(room.id);
    room_snapshot result{room,
                         std::string(self_id),
                         {},
                         std::move(contents.call),
                         std::move(contents.files),
                         std::move(contents.messages),
                         calls_.capacity(),
                         contents.seq,
                         blocked_file_types_};
    result.room.locked = contents.locked;  // read with the rest, as of `seq`
    auto online_now = presence_.online_in(room.id);
    for (auto& member : contents.members) {
        bool online = online_now.contains(member.id);
        result.members.push_back({std::move(member), online});
    }
    return result;
}

attendee room_service::authenticate_token(const std::string& token) {
    auto claims = tokens_.verify(token);
    auto room = store_.find_room_by_id(claims.room_id);
    auto member = store_.find_member(claims.member_id);
    if (!room || !member || member->room_id != room->id) {
        throw error(error_code::unauthorized, "The token is invalid");
    }
    check_present(*member);
    return {std::move(*room), std::move(*member), claims.expires_at};
}

caller room_service::member_of(std::string_view typed_code,
                               const std::optional<std::string>& bearer) {
    auto [room, member] = authenticate(typed_code, bearer);
    return {room.id, member.id, room.created_by};
}

departure room_service::leave(std::string_view typed_code,
                              const std::optional<std::string>& bearer) {
    auto [room, member] = authenticate(typed_code, bearer);
    return leave(caller{room.id, member.id, room.created_by});
}

departure room_service::leave(const caller& who) {
    departure gone{who, calls_.leave_current(who, "left")};
    store_.mark_member_left(who.member_id, clock_.now(), &gone.seq);
    if (events_) events_->member_left(gone);
    return gone;
}

namespace {

void require_host(const caller& who, const char* action) {
    if (who.member_id != who.room_creator_id) {
        throw error(error_code::forbidden, std::string("Only the room's creator can ") + action);
    }
}

}  // namespace

lock_change room_service::set_locked(const caller& host, bool locked) {
    require_host(host, locked ? "lock it" : "unlock it");
    lock_change change;
    store_.set_room_locked(host.room_id, locked, &change.seq);
    auto room = store_.find_room_by_id(host.room_id);
    if (!room) throw error(error_code::room_not_found, "This room no longer exists");
    change.room = std::move(*room);
    change.room.locked = locked;  // as of room:updated's number, whatever came after
    return change;
}

departure room_service::remove(const caller& host, std::string_view member_id) {
    require_host(host, "remove people");
    if (member_id == host.member_id) {
        throw error(error_code::bad_request, "You cannot remove yourself; leave the room instead");
    }
    present_member(host, member_id);
    caller who{host.room_id, std::string(member_id), host.room_creator_id};
    departure gone{who, calls_.leave_current(who, "removed"), 0, true};
    // Of two removes at once, one marks them; the other finds them gone.
    if (!store_.mark_member_left(who.member_id, clock_.now(), &gone.seq, true)) {
        throw error(error_code::bad_request, "That person is not in this room");
    }
    if (events_) events_->member_left(gone);
    return gone;
}

member_change room_service::raise_hand(const caller& who) {
    std::int64_t seq = 0;
    millis at = clock_.now();
    store_.set_hand(who.member_id, at, &seq);
    auto change = changed_member(who, who.member_id, seq);
    if (seq) change.member.member.hand_raised_at = at;  // as of member:updated's number
    return change;
}

member_change room_service::lower_hand(const caller& who, std::string_view member_id) {
    if (member_id.empty()) member_id = who.member_id;
    if (member_id != who.member_id) require_host(who, "lower someone else's hand");
    present_member(who, member_id);
    std::int64_t seq = 0;
    store_.set_hand(member_id, std::nullopt, &seq);
    auto change = changed_member(who, member_id, seq);
    change.member.member.hand_raised_at.reset();
    return change;
}

store::member_record room_service::present_member(const caller& who, std::string_view member_id) {
    auto member = store_.find_member(member_id);
    if (!member || member->room_id != who.room_id || member->left_at) {
        throw error(error_code::bad_request, "That person is not in this room");
    }
    return std::move(*member);
}

member_change room_service::changed_member(const caller& who, std::string_view member_id,
                                           std::int64_t seq) {
    auto member = present_member(who, member_id);
    bool online = presence_.online(who.room_id, member.id);
    return {{std::move(member), online}, seq};
}

void room_service::check_present(const store::member_record& member) {
    if (!member.left_at) return;
    if (member.removed) throw error(error_code::token_revoked, "You were removed from this room");
    throw error(error_code::unauthorized, "You have left this room");
}

store::room_record room_service::find_room(std::string_view typed_code) {
    auto code = canonical_room_code(typed_code);
    if (!code) throw error(error_code::room_not_found, "No room has this code");
    auto room = store_.find_room_by_code(*code);
    if (!room) {
        throw error(error_code::room_not_found, "No room has code " + display_room_code(*code));
    }
    return *room;
}

room_service::authenticated room_service::authenticate(std::string_view typed_code,
                                                       const std::optional<std::string>& bearer) {
    auto room = find_room(typed_code);
    if (!bearer) throw error(error_code::unauthorized, "This call needs a guest token");
    auto claims = tokens_.verify(*bearer);
    if (claims.room_id != room.id) {
        throw error(error_code::forbidden, "This token belongs to another room");
    }
    auto member = store_.find_member(claims.member_id);
    if (!member || member->room_id != room.id) {
        throw error(error_code::unauthorized, "The token is invalid");
    }
    check_present(*member);
    return {std::move(room), std::move(*member)};
}

admission room_service::admit(store::room_record room, store::member_record member) {
    auto token = tokens_.issue(member.id, room.id);
    return {std::move(room), std::move(member), std::move(token)};
}

}  // namespace parlor::rooms
