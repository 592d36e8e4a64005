// realtime_service's chat, host controls and raised hands (protocol.md "Chat, host controls
// and raised hands"): each frame checked here, applied by the rooms layer on the blocking
// pool, and answered as a numbered room event.
#include "common/blocking.hpp"
#include "common/error.hpp"
#include "realtime/frames.hpp"
#include "realtime/realtime_service.hpp"
#include "realtime/views.hpp"

namespace parlor::realtime {

void realtime_service::publish_answer(ws_session& socket, const envelope& msg,
                                      const std::string& type, const nlohmann::json& data,
                                      std::int64_t seq) {
    nlohmann::json answer = {{"type", type}, {"data", data}};
    if (seq > 0) answer["seq"] = seq;
    if (!msg.rid.is_null()) answer["rid"] = msg.rid;
    socket.send(std::make_shared<const std::string>(answer.dump()));
    if (seq == 0) return;
    bus::room_event event{socket.caller()->room_id, make_frame(type, data, seq)};
    event.except_socket = &socket;
    bus_.publish(event);
}

asio::awaitable<void> realtime_service::send_chat(const std::shared_ptr<ws_session>& socket,
                                                  const envelope& msg) {
    const rooms::caller who = *socket->caller();
    const auto& typed = field(msg.data, "text");
    if (!typed.is_string()) throw error(error_code::bad_request, "text must be a string");
    auto text = rooms::chat_text(typed.get_ref<const std::string&>());
    auto message =
        co_await run_blocking(blocking_, [&] { return chat_.post(who, std::move(text)); });
    publish_answer(*socket, msg, "chat:message", {{"message", message_json(message)}}, message.seq);
}

asio::awaitable<void> realtime_service::lock_room(const std::shared_ptr<ws_session>& socket,
                                                  const envelope& msg) {
    const rooms::caller who = *socket->caller();
    bool locked = required_bool(msg.data, "locked");
    auto change = co_await run_blocking(blocking_, [&] { return rooms_.set_locked(who, locked); });
    publish_answer(*socket, msg, "room:updated", {{"room", room_json(change.room)}}, change.seq);
}

// Success is the room's member:left (reason "removed"), which the asking socket hears like
// everyone (without the rid); the member's sockets close, on every instance.
asio::awaitable<void> realtime_service::remove_member(const std::shared_ptr<ws_session>& socket,
                                                      const envelope& msg) {
    const rooms::caller who = *socket->caller();
    auto member_id = required_string(msg.data, "memberId");
    co_await run_blocking(blocking_, [&] { rooms_.remove(who, member_id); });  // member_left()
}

asio::awaitable<void> realtime_service::change_hand(const std::shared_ptr<ws_session>& socket,
                                                    const envelope& msg) {
    const rooms::caller who = *socket->caller();
    bool raise = msg.type == "hand:raise";
    auto member_id = raise ? std::string() : optional_string(msg.data, "memberId");
    auto change = co_await run_blocking(blocking_, [&] {
        return raise ? rooms_.raise_hand(who) : rooms_.lower_hand(who, member_id);
    });
    publish_answer(*socket, msg, "member:updated", {{"member", member_json(change.member)}},
                   change.seq);
}

}  // namespace parlor::realtime
