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
    const auto& hand = view.member.hand_raised_at;
    return {{"id", view.member.id},
            {"displayName", view.member.display_name},
            {"joinedAt", format_rfc3339(view.member.joined_at)},
            {"online", view.online},
            {"handRaisedAt", hand ? nlohmann::json(format_rfc3339(*hand)) : nlohmann::json()}};
}

nlohmann::json room_json(const store::room_record& room) {
    return {{"id", room.id},
            {"code", rooms::display_room_code(room.code)},
            {"createdAt", format_rfc3339(room.created_at)},
            {"createdBy", room.created_by},
            {"locked", room.locked}};
}

nlohmann::json message_json(const store::message_record& message) {
    return {{"id", message.id},
            {"memberId", message.member_id},
            {"displayName", message.author_name},
            {"text", message.text},
            {"createdAt", format_rfc3339(message.created_at)}};
}

nlohmann::json messages_json(const std::vector<store::message_record>& messages) {
    auto list = nlohmann::json::array();
    for (const auto& message : messages) list.push_back(message_json(message));
    return list;
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
        {"room", room_json(snapshot.room)},
        {"self", snapshot.self},
        {"members", members},
        {"call", snapshot.call ? call_json(*snapshot.call) : nlohmann::json(nullptr)},
        {"files", files_json(snapshot.files)},
        {"messages", messages_json(snapshot.messages)},
        {"blockedFileTypes", snapshot.blocked_file_types},
        {"iceServers", ice_servers_json(ice)},
        {"iceTransportPolicy", auth::policy_name(ice.policy)},
        {"callCapacity", snapshot.call_capacity},
        {"seq", snapshot.seq},
    };
}

}  // namespace parlor::realtime
