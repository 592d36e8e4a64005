#pragma once

#include <nlohmann/json.hpp>

#include "rooms/room_service.hpp"

namespace parlor::api {

// The protocol's JSON shapes, built from the rooms layer's types. REST and (later) the
// WebSocket `room:state` event share them.
nlohmann::json admission_json(const rooms::admission& admitted, const nlohmann::json& ice_servers);
nlohmann::json member_json(const rooms::member_view& view);
nlohmann::json call_json(const store::call_record& call);
nlohmann::json file_json(const store::file_record& file);
nlohmann::json files_json(const std::vector<store::file_record>& files);
nlohmann::json snapshot_json(const rooms::room_snapshot& snapshot,
                             const nlohmann::json& ice_servers);

}  // namespace parlor::api
