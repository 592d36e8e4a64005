#include "rooms/call_service.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/random.hpp"

namespace parlor::rooms {

bool takes_part(const store::call_record& call, std::string_view member_id) {
    return std::any_of(call.participants.begin(), call.participants.end(),
                       [&](const auto& p) { return p.member_id == member_id; });
}

call_service::call_service(store::metadata_store& store, const clock& clock, int capacity,
                           metrics& counts)
    : store_(store), clock_(clock), capacity_(capacity), metrics_(counts) {}

template <class Attempt>
auto call_service::counted(std::string_view success, Attempt&& attempt) {
    try {
        auto result = attempt();
        metrics_.call_join(success);
        return result;
    } catch (const error& refused) {
        metrics_.call_join(code_name(refused.code()));
        throw;
    }
}

void call_service::record_end(const store::call_record& call) {
    metrics_.call_ended(
        std::chrono::milliseconds(std::max<millis>(0, clock_.now() - call.started_at)));
}

std::optional<store::call_record> call_service::active(std::string_view room_id) {
    return store_.active_call(room_id);
}

std::vector<caller> call_service::participants_of_active_calls() {
    std::vector<caller> everyone;
    for (const auto& call : store_.active_calls()) {
        auto room = store_.find_room_by_id(call.room_id);
        if (!room) continue;
        for (const auto& p : call.participants) {
            everyone.push_back({call.room_id, p.member_id, room->created_by});
        }
    }
    return everyone;
}

store::call_record call_service::start(const caller& who, std::int64_t* seq) {
    return counted("started", [&] {
        millis now = clock_.now();
        store::call_record call{uuid_v4(), who.room_id, who.member_id, now, {{who.member_id, now}}};
        if (store_.start_call(call, seq) == store::start_outcome::call_active) {
            throw error(error_code::call_active, "A call is already running in this room");
        }
        return call;
    });
}

join_result call_service::join(const caller& who, std::string_view call_id) {
    return counted("joined", [&] { return join_counted(who, call_id); });
}

join_result call_service::join_counted(const caller& who, std::string_view call_id) {
    active_call_named(who, call_id);
    std::int64_t seq = 0;
    auto outcome = store_.join_call(call_id, who.member_id, clock_.now(), capacity_, &seq);
    switch (outcome) {
        case store::join_outcome::not_active:
            throw error(error_code::no_active_call, "That call has ended");
        case store::join_outcome::full:
            throw error(error_code::call_full,
                        "The call is full (" + std::to_string(capacity_) + " people at most)");
        case store::join_outcome::joined:
        case store::join_outcome::already_in:
            break;
    }
    return {active_call_named(who, call_id), outcome == store::join_outcome::joined, seq};
}

store::leave_outcome call_service::leave(const caller& who, std::string_view call_id,
                                         std::string_view reason) {
    auto call = active_call_named(who, call_id);
    if (!takes_part(call, who.member_id)) {
        throw error(error_code::not_in_call, "You are not in this call");
    }
    auto outcome = store_.leave_call(call_id, who.member_id, clock_.now(), reason);
    if (outcome.call_ended) record_end(call);
    return outcome;
}

std::optional<left_call> call_service::leave_current(const caller& who, std::string_view reason) {
    auto call = store_.active_call(who.room_id);
    if (!call || !takes_part(*call, who.member_id)) return std::nullopt;
    auto outcome = store_.leave_call(call->id, who.member_id, clock_.now(), reason);
    if (!outcome.was_participant) return std::nullopt;  // gone meanwhile by another path
    if (outcome.call_ended) record_end(*call);
    return left_call{call->id, outcome.call_ended, outcome.seq};
}

void call_service::end(const caller& who, std::string_view call_id, std::int64_t* seq) {
    auto call = active_call_named(who, call_id);
    if (who.member_id != call.started_by && who.member_id != who.room_creator_id) {
        throw error(error_code::forbidden,
                    "Only the person who started the call or the room's creator can end it");
    }
    if (!store_.end_call(call_id, clock_.now(), "ended", who.member_id, seq)) {
        throw error(error_code::no_active_call, "That call has ended");
    }
    record_end(call);
}

// The room's active call, which must be the one the client named: a stale call id (from
// before a reconnect, or from another room) is no_active_call.
store::call_record call_service::active_call_named(const caller& who, std::string_view call_id) {
    auto call = store_.active_call(who.room_id);
    if (!call || call->id != call_id) {
        throw error(error_code::no_active_call, "There is no such call running in this room");
    }
    return *call;
}

}  // namespace parlor::rooms
