#include "realtime/views.hpp"

#include "rooms/room_code.hpp"

namespace parlor::realtime {

nlohmann::json ice_servers_json(const auth::ice_configuration& ice) {
    auto servers = nlohmann::json::array();
    for (const auto& server : ice.servers) {
        nlohmann::json entry = {{"urls", server.urls}};
        if (server.username) entry["username"] = *server.username;
        if (server.credential) entry["credential"] = *server.credential;
        servers.push_back(std::move(entry));
    }
    return servers;
}

nlohmann::json ice_configuration_json(const auth::ice_configuration& ice) {
    return {{"iceServers", ice_servers_json(ice)},
            {"ttl", ice.ttl.count()},
            {"iceTransportPolicy", auth::policy_name(ice.policy)}};
}

nlohmann::json admission_json(const rooms::admission& admitted,
                              const auth::ice_configuration& ice) {
    return {
        {"room",
         {{"id", admitted.room.id},
          {"code", rooms::display_room_code(admitted.room.code)},
          {"createdAt", format_rfc3339(admitted.room.created_at)}}},
        {"member", {{"id", admitted.member.id}, {"displayName", admitted.member.display_name}}},
        {"token", admitted.token.token},
        {"expiresAt", format_rfc3339(admitted.token.expires_at)},
        {"iceServers", ice_servers_json(ice)},
        {"iceServersTtl", ice.ttl.count()},
        {"iceTransportPolicy", auth::policy_name(ice.policy)},
    };
}

nlohmann::json member_json(const rooms::member_view& view) {
    return {{"id", view.member.id},
            {"displayName", view.member.display_name},
            {"joinedAt", format_rfc3339(view.member.joined_at)},
            {"online", view.online}};
}

nlohmann::json call_json(const store::call_record& call) {
    auto participants = nlohmann::json::array();
    for (const auto& p : call.participants) {
        participants.push_back(
            {{"memberId", p.member_id}, {"joinedAt", format_rfc3339(p.joined_at)}});
    }
    return {{"id", call.id},
            {"startedBy", call.started_by},
            {"startedAt", format_rfc3339(call.started_at)},
            {"participants", participants}};
}

// createdAt is when the file became visible to the room (its upload completed).
nlohmann::json file_json(const store::file_record& file) {
    return {{"id", file.id},
            {"filename", file.filename},
            {"mimeType", file.mime_type},
            {"sizeBytes", file.size_bytes},
            {"sha256", file.sha256},
            {"uploader", {{"id", file.uploader_id}, {"displayName", file.uploader_name}}},
            {"createdAt", format_rfc3339(file.completed_at.value_or(file.created_at))}};
}

nlohmann::json files_json(const std::vector<store::file_record>& files) {
    auto list = nlohmann::json::array();
    for (const auto& file : files) list.push_back(file_json(file));
    return list;
}

nlohmann::json snapshot_json(const rooms::room_snapshot& snapshot,
                             const auth::ice_configuration& ice) {
    auto members = nlohmann::json::array();
    for (const auto& view : snapshot.members) members.push_back(member_json(view));
    return {
        {"room",
         {{"id", snapshot.room.id},
          {"code", rooms::display_room_code(snapshot.room.code)},
          {"createdAt", format_rfc3339(snapshot.room.created_at)},
          {"createdBy", snapshot.room.created_by}}},
        {"self", snapshot.self},
        {"members", members},
        {"call", snapshot.call ? call_json(*snapshot.call) : nlohmann::json(nullptr)},
        {"files", files_json(snapshot.files)},
        {"iceServers", ice_servers_json(ice)},
        {"iceTransportPolicy", auth::policy_name(ice.policy)},
        {"callCapacity", snapshot.call_capacity},
        {"seq", snapshot.seq},
    };
}

}  // namespace parlor::realtime
