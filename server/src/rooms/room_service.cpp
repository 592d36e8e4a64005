#include "rooms/room_service.hpp"

#include "common/error.hpp"
#include "common/random.hpp"
#include "rooms/room_code.hpp"

namespace parlor::rooms {

room_service::room_service(store::metadata_store& store, const auth::token_service& tokens,
                           const bus::presence& presence, call_service& calls, const clock& clock)
    : store_(store), tokens_(tokens), presence_(presence), calls_(calls), clock_(clock) {}

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
    store_.insert_member(member);
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
                         calls_.capacity(),
                         contents.seq};
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
    if (member->left_at) throw error(error_code::unauthorized, "You have left this room");
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
    if (member->left_at) throw error(error_code::unauthorized, "You have left this room");
    return {std::move(room), std::move(*member)};
}

admission room_service::admit(store::room_record room, store::member_record member) {
    auto token = tokens_.issue(member.id, room.id);
    return {std::move(room), std::move(member), std::move(token)};
}

}  // namespace parlor::rooms
