#pragma once

#include <nlohmann/json.hpp>

#include "auth/ice_servers.hpp"
#include "rooms/room_service.hpp"

namespace parlor::realtime {

// The protocol's JSON shapes, built from the rooms layer's types. The socket's events and
// REST (api/, above) share them: they live here, in the lowest layer that sends them.
// `ice` is the admitted member's own (their TURN credential names them).
nlohmann::json admission_json(const rooms::admission& admitted, const auth::ice_configuration& ice);
nlohmann::json member_json(const rooms::member_view& view);
// The snapshot's `room`, and room:updated's.
nlohmann::json room_json(const store::room_record& room);
nlohmann::json message_json(const store::message_record& message);
nlohmann::json messages_json(const std::vector<store::message_record>& messages);
nlohmann::json call_json(const store::call_record& call);
nlohmann::json file_json(const store::file_record& file);
nlohmann::json files_json(const std::vector<store::file_record>& files);
// `ice` is the snapshot's `self`'s.
nlohmann::json snapshot_json(const rooms::room_snapshot& snapshot,
                             const auth::ice_configuration& ice);
// The protocol's `iceServers` array: {"urls"} for STUN, {"urls","username","credential"}
// for TURN.
nlohmann::json ice_servers_json(const auth::ice_configuration& ice);
// GET /api/rooms/:code/ice-servers: {"iceServers","ttl","iceTransportPolicy"}.
nlohmann::json ice_configuration_json(const auth::ice_configuration& ice);

}  // namespace parlor::realtime
