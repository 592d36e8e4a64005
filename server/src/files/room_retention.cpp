#include "files/room_retention.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace parlor::files {

room_retention::room_retention(store::metadata_store& store, blobs::blob_store& blobs,
                               const bus::presence& presence, const clock& clock,
                               std::chrono::seconds retention)
    : store_(store), blobs_(blobs), presence_(presence), clock_(clock), retention_(retention) {}

std::size_t room_retention::sweep() {
    if (!enabled()) return 0;
    constexpr int batch = 100;
    std::size_t deleted = 0;
    millis now = clock_.now();
    millis before = now - std::chrono::duration_cast<std::chrono::milliseconds>(retention_).count();
    for (;;) {
        auto idle = store_.idle_rooms(before, batch);
        for (const auto& room_id : idle) {
            if (anyone_online(room_id)) {
                store_.touch_room(room_id, now);  // in use: its retention starts again
                continue;
            }
            auto keys = store_.delete_idle_room(room_id, before);
            if (!keys) continue;  // someone came back meanwhile
            // The rows went first: a room half deleted never shows files without bytes.
            for (const auto& key : *keys) {
                try {
                    blobs_.remove(key);
                } catch (const std::exception& e) {
                    spdlog::warn(nlohmann::json{
                        {"event", "room_file_not_removed"},
                        {"room", room_id},
                        {"key", key},
                        {"error",
                         e.what()}}.dump());
                }
            }
            spdlog::info(nlohmann::json{
                {"event", "room_expired"}, {"room", room_id}, {"files", keys->size()}}
                             .dump());
            ++deleted;
        }
        // Every room in the batch was either deleted or touched, so the next batch is new.
        if (idle.size() < static_cast<std::size_t>(batch)) return deleted;
    }
}

bool room_retention::anyone_online(const std::string& room_id) {
    return !presence_.online_in(room_id).empty();
}

}  // namespace parlor::files
