#include "realtime/realtime_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/blocking.hpp"
#include "common/error.hpp"
#include "realtime/frames.hpp"
#include "realtime/signal_frame.hpp"
#include "realtime/views.hpp"

namespace parlor::realtime {
namespace {

// Completion of work spawned with nobody to answer: a failure is logged.
auto logged_failure(const char* what) {
    return [what](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            spdlog::error("{} failed: {}", what, e.what());
        }
    };
}

}  // namespace

realtime_service::realtime_service(asio::io_context& io, asio::thread_pool& blocking,
                                   rooms::room_service& rooms, rooms::call_service& calls,
                                   rooms::chat_service& chat, bus::event_bus& events, hub& sockets,
                                   bus::presence& online,
                                   const auth::ice_server_provider& ice_servers, metrics& counts,
                                   std::chrono::seconds call_grace, socket_limits limits)
    : io_(io),
      blocking_(blocking),
      rooms_(rooms),
      calls_(calls),
      chat_(chat),
      bus_(events),
      hub_(sockets),
      presence_(online),
      ice_servers_(ice_servers),
      metrics_(counts),
      call_grace_(call_grace),
      limits_(limits) {
    // Call changes made by other instances reach this one's roster through the bus.
    bus_.subscribe([this](const bus::room_event& e) {
        if (e.call_changed) roster_.forget(e.room_id);
    });
    // The bus was cut off from the other instances: what happened in the room meanwhile
    // may not have reached us. The room's sockets close with 1012 ("service restart"), so
    // that their clients reconnect and resync from room:state.
    bus_.on_resync(
        [this](const std::string& room_id) {
            roster_.forget(room_id);
            hub_.close_room(room_id, websocket::close_code::service_restart,
                            "events may have been missed; reconnect");
        },
        [this](const std::string& room_id) { return hub_.holds_room(room_id); });
}

asio::awaitable<void> realtime_service::watch_room(const std::string& room_id) {
    // A timer that never expires until the bus is ready; then it is moved to the past (a
    // wait under way is cancelled, one not yet begun completes at once), on this coroutine's
    // executor: the bus's callback may come from any thread.
    auto executor = co_await asio::this_coro::executor;
    auto ready = std::make_shared<asio::steady_timer>(executor,
                                                      std::chrono::steady_clock::time_point::max());
    bus_.watch_room(room_id, [ready, executor] {
        asio::post(executor,
                   [ready] { ready->expires_at(std::chrono::steady_clock::time_point::min()); });
    });
    beast::error_code woken;
    co_await ready->async_wait(asio::redirect_error(asio::use_awaitable, woken));
}

void realtime_service::room_released(const std::string& room_id) {
    // Signals come from sockets in the room: with none here, its call need not be known.
    roster_.forget(room_id);
    bus_.unwatch_room(room_id);
}

void realtime_service::opened(const std::shared_ptr<ws_session>& socket) {
    std::lock_guard lock(mutex_);
    open_.emplace(socket.get(), socket);
    metrics_.sockets_open(open_.size());
}

void realtime_service::closed(ws_session& socket) {
    bool counted = false;
    bool stopping = false;
    {
        std::lock_guard lock(mutex_);
        open_.erase(&socket);
        counted = present_.erase(&socket) > 0;
        stopping = stopping_;
        metrics_.sockets_open(open_.size());
    }
    const auto& who = socket.caller();
    if (!who) return;
    bool still_member = hub_.detach(who->room_id, who->member_id, &socket);
    if (!hub_.holds_room(who->room_id)) room_released(who->room_id);
    if (!counted || stopping) return;
    asio::co_spawn(
        io_,
        [this, who = *who, still_member]() -> asio::awaitable<void> {
            auto seq = co_await run_blocking(blocking_, [&]() -> std::optional<std::int64_t> {
                std::lock_guard order(presence_order(who.member_id));
                bool gone = presence_.detach(who.room_id, who.member_id);
                // Someone who left the room was announced as having left, not as offline.
                if (!gone || !still_member) return std::nullopt;
                return number_presence_event(who.room_id);
            });
            if (seq) went_offline(who, *seq);
        },
        logged_failure("announcing a member offline"));
}

// On the blocking pool, once the socket's room:join is through: the number of the
// member:joined to announce, when they came online. A socket that closed meanwhile was not
// detached by its close: it is here.
std::optional<std::int64_t> realtime_service::attach_presence(const ws_session& socket,
                                                              const rooms::caller& who) {
    std::lock_guard order(presence_order(who.member_id));
    bool came_online = presence_.attach(who.room_id, who.member_id);
    {
        std::lock_guard lock(mutex_);
        if (open_.contains(&socket)) {
            present_.insert(&socket);
            if (!came_online) return std::nullopt;
            return number_presence_event(who.room_id);
        }
    }
    presence_.detach(who.room_id, who.member_id);
    return std::nullopt;
}

// A member's presence changes and the numbers of their announcements go one at a time: a
// reconnect's new socket and the old one's close, handled on two threads, must not number
// "offline" after "joined" when it happened before.
std::mutex& realtime_service::presence_order(const std::string& member_id) {
    return presence_order_[std::hash<std::string>{}(member_id) % presence_order_.size()];
}

// Presence events change nothing in the store, so a store that cannot write (a full disk)
// must not stop them: they go unnumbered, and clients apply them as they come.
std::int64_t realtime_service::number_presence_event(const std::string& room_id) {
    try {
        return rooms_.number_event(room_id);
    } catch (const std::exception& e) {
        spdlog::warn(nlohmann::json{
            {"event", "presence_event_unnumbered"}, {"room", room_id}, {"error", e.what()}}
                         .dump());
        return 0;
    }
}

void realtime_service::went_offline(const rooms::caller& who, std::int64_t seq) {
    // Not to the member's own sockets: one that joined meanwhile reflects this already.
    publish(who.room_id, "member:left", {{"memberId", who.member_id}, {"reason", "offline"}}, seq,
            who.member_id);
    start_grace(who);
}

void realtime_service::resume_calls() {
    for (const auto& who : calls_.participants_of_active_calls()) start_grace(who);
    keep_presence();
}

void realtime_service::keep_presence() {
    auto interval = presence_.maintenance_interval();
    if (interval <= interval.zero()) return;
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (!presence_timer_) presence_timer_ = std::make_shared<asio::steady_timer>(io_);
    presence_timer_->expires_after(interval);
    presence_timer_->async_wait([this](const beast::error_code& ec) {
        if (ec) return;  // shutting down
        keep_presence();
        asio::co_spawn(
            io_,
            [this]() -> asio::awaitable<void> {
                auto gone = co_await run_blocking(blocking_, [&] {
                    std::vector<std::pair<rooms::caller, std::int64_t>> numbered;
                    for (auto& [room_id, member_id] : presence_.maintain()) {
                        std::lock_guard order(presence_order(member_id));
                        auto seq = number_presence_event(room_id);
                        numbered.push_back({{room_id, member_id, {}}, seq});
                    }
                    return numbered;
                });
                for (const auto& [who, seq] : gone) went_offline(who, seq);
            },
            logged_failure("keeping presence"));
    });
}

void realtime_service::close_all() {
    std::vector<std::shared_ptr<ws_session>> sockets;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [_, weak] : open_) {
            if (auto socket = weak.lock()) sockets.push_back(std::move(socket));
        }
        for (auto& [_, timer] : grace_) timer->cancel();
        grace_.clear();
        if (presence_timer_) presence_timer_->cancel();
    }
    for (auto& socket : sockets) {
        socket->close(websocket::close_code::going_away, "server shutting down");
    }
}

std::size_t realtime_service::open_sockets() const {
    std::lock_guard lock(mutex_);
    return open_.size();
}

void realtime_service::refuse_rate(ws_session& socket, std::string_view text) {
    socket.send(error_frame(error(error_code::rate_limited, "Too many messages; slow down"),
                            readable_rid(text)));
}

bool realtime_service::handle_now(ws_session& socket, std::string_view text) {
    if (!socket.caller()) return false;
    auto signal = read_signal(text);
    if (!signal) return false;
    const rooms::caller& who = *socket.caller();
    std::uint64_t version = 0;
    auto call = roster_.find(who.room_id, version);
    if (!call) return false;  // handle() reads the call from the store
    try {
        relay(socket, *call, signal->call_id, signal->to,
              std::make_shared<const std::string>(forwarded_signal(*signal, who.member_id)));
    } catch (const error& refused) {
        auto rid = signal->rid.empty() ? nlohmann::json()
                                       : nlohmann::json::parse(signal->rid, nullptr, false);
        socket.send(error_frame(refused, rid));
    }
    return true;
}

asio::awaitable<void> realtime_service::handle(std::shared_ptr<ws_session> socket,
                                               std::string_view text) {
    envelope msg;
    std::optional<error> failure;
    try {
        read_envelope(text, msg);
        co_await dispatch(socket, msg);
    } catch (const error& e) {
        failure = e;
    } catch (const std::exception& e) {
        spdlog::error("realtime {} failed: {}", msg.type, e.what());
        failure = error(error_code::internal, "Something went wrong on our side");
    }
    if (failure) socket->send(error_frame(*failure, msg.rid));
}

asio::awaitable<void> realtime_service::dispatch(const std::shared_ptr<ws_session>& socket,
                                                 const envelope& msg) {
    if (msg.type == "room:join") co_return co_await join_room(socket, msg);
    if (!socket->caller()) throw error(error_code::unauthorized, "Send room:join first");
    const rooms::caller who = *socket->caller();

    if (msg.type == "room:leave") co_return co_await leave_room(socket);
    if (msg.type == "call:start") {
        std::int64_t seq = 0;
        auto call = co_await run_blocking(blocking_, [&] { return calls_.start(who, &seq); });
        publish(who.room_id, "call:started", {{"call", call_json(call)}}, seq);
        co_return;
    }
    if (msg.type == "call:join") {
        auto call_id = required_string(msg.data, "callId");
        auto joined = co_await run_blocking(blocking_, [&] { return calls_.join(who, call_id); });
        nlohmann::json data = {{"callId", call_id}, {"memberId", who.member_id}};
        if (joined.newly_joined) {
            publish(who.room_id, "call:participant-joined", data, joined.seq);
        } else {
            socket->send(make_frame("call:participant-joined", data));  // joining twice is harmless
        }
        co_return;
    }
    if (msg.type == "call:leave") {
        auto call_id = required_string(msg.data, "callId");
        auto outcome =
            co_await run_blocking(blocking_, [&] { return calls_.leave(who, call_id, "left"); });
        publish_call_left(who, {call_id, outcome.call_ended, outcome.seq}, "left");
        co_return;
    }
    if (msg.type == "call:end") {
        auto call_id = required_string(msg.data, "callId");
        std::int64_t seq = 0;
        co_await run_blocking(blocking_, [&] { calls_.end(who, call_id, &seq); });
        publish(who.room_id, "call:ended",
                {{"callId", call_id}, {"reason", "ended"}, {"endedBy", who.member_id}}, seq);
        co_return;
    }
    if (msg.type == "signal:offer" || msg.type == "signal:answer" || msg.type == "signal:ice") {
        co_return co_await relay_signal(socket, msg);
    }
    if (msg.type == "call:report") {
        record_call_report(who, msg);
        co_return;
    }
    if (msg.type == "chat:send") co_return co_await send_chat(socket, msg);
    if (msg.type == "room:lock") co_return co_await lock_room(socket, msg);
    if (msg.type == "member:remove") co_return co_await remove_member(socket, msg);
    if (msg.type == "hand:raise" || msg.type == "hand:lower") {
        co_return co_await change_hand(socket, msg);
    }
    throw error(error_code::unsupported, "Unknown event type");
}

asio::awaitable<void> realtime_service::join_room(const std::shared_ptr<ws_session>& socket,
                                                  const envelope& msg) {
    // No token is refused as a bad one is (protocol: unauthorized for no, bad, expired token).
    const auto& given = field(msg.data, "token");
    if (!given.is_string() || given.get_ref<const std::string&>().empty()) {
        throw error(error_code::unauthorized, "room:join needs the room's token");
    }
    const auto& token = given.get_ref<const std::string&>();
    auto admitted =
        co_await run_blocking(blocking_, [&] { return rooms_.authenticate_token(token); });
    if (socket->caller() && socket->caller()->member_id != admitted.member.id) {
        throw error(error_code::bad_request, "This socket has joined as someone else");
    }
    rooms::caller who{admitted.room.id, admitted.member.id, admitted.room.created_by};
    // Events from here on wait behind the room:state (ws_session::hold_events); whatever
    // ends the join early lets them go.
    socket->hold_events();
    struct release_on_failure {
        ws_session& socket;
        bool sent = false;
        ~release_on_failure() {
            if (!sent) socket.release_events();
        }
    } held{*socket};
    bool first_join = !socket->caller();
    if (first_join) {
        socket->set_caller(who, hub_.attach(who.room_id, who.member_id, socket));
        // Before the snapshot is read: what happens after it must reach this socket, from
        // whichever instance it comes.
        co_await watch_room(who.room_id);
    }
    socket->expire_at(std::chrono::system_clock::time_point(
        std::chrono::milliseconds(admitted.token_expires_at)));
    end_grace(who);
    std::optional<std::int64_t> joined_seq;
    auto snapshot = co_await run_blocking(blocking_, [&] {
        // Online before the snapshot is read, so that it shows them so, and their
        // member:joined numbered before it: the state reflects it (it goes to the others).
        if (first_join) joined_seq = attach_presence(*socket, who);
        return rooms_.snapshot(admitted.room, admitted.member.id);
    });
    // The member may have left between the token check and the attach: then the leave's
    // event found no socket to close here. The snapshot was read after the attach, so it
    // knows; the socket goes as their other sockets went.
    if (!snapshot.has_member(who.member_id)) {
        hub_.detach(who.room_id, who.member_id, socket.get());
        if (!hub_.holds_room(who.room_id)) room_released(who.room_id);
        socket->close(websocket::close_code::normal, "left the room");
        co_return;
    }
    nlohmann::json reply = {
        {"type", "room:state"},
        {"data", snapshot_json(snapshot, ice_servers_.for_member(admitted.member.id))}};
    if (!msg.rid.is_null()) reply["rid"] = msg.rid;
    socket->send_state(std::make_shared<const std::string>(reply.dump()));
    held.sent = true;
    if (joined_seq) {
        publish(who.room_id, "member:joined", {{"member", member_json({admitted.member, true})}},
                *joined_seq, who.member_id);
    }
}

asio::awaitable<void> realtime_service::leave_room(const std::shared_ptr<ws_session>& socket) {
    const rooms::caller who = *socket->caller();
    co_await run_blocking(blocking_, [&] { rooms_.leave(who); });  // member_left() follows
}

void realtime_service::member_left(const rooms::departure& gone) {
    end_grace(gone.who);
    if (gone.call) publish_call_left(gone.who, *gone.call, gone.reason());
    // Every instance closes the sockets it holds for them, without announcing "offline".
    bus_.publish(
        {gone.who.room_id,
         make_frame("member:left", {{"memberId", gone.who.member_id}, {"reason", gone.reason()}},
                    gone.seq),
         {},
         gone.who.member_id,
         gone.who.member_id,
         false,
         gone.removed ? "removed" : ""});
}

void realtime_service::file_added(const store::file_record& file, std::int64_t seq) {
    publish(file.room_id, "file:added", {{"file", file_json(file)}}, seq);
}

asio::awaitable<void> realtime_service::relay_signal(const std::shared_ptr<ws_session>& socket,
                                                     const envelope& msg) {
    const rooms::caller who = *socket->caller();
    auto signal = read_signal_data(msg.type, msg.data, who.member_id);
    auto call = co_await active_call(who.room_id);
    relay(*socket, *call, signal.call_id, signal.to, make_frame(msg.type, signal.forwarded));
}

// Telemetry from the browser: no reply, no store; one log line and the metrics' totals.
// The ids are not checked against the store: a report may come after the call ended, and
// a member can only skew numbers they are rate-limited in sending.
void realtime_service::record_call_report(const rooms::caller& who, const envelope& msg) {
    auto report = read_call_report(msg.data);
    if (report.first_media_ms) {
        metrics_.first_media(path_name(report.path),
                             std::chrono::milliseconds(*report.first_media_ms));
    }
    if (report.ice_failure) metrics_.ice_failure(*report.ice_failure);
    spdlog::info(call_report_log(report, who.room_id, who.member_id)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Who may signal whom: both in the room's active call, the one named, and not the same;
// and how much: within the sender's relay budget, so that no sender can pour more into a
// peer's socket than a reader keeps up with (past it the signal is refused, not queued).
void realtime_service::relay(ws_session& from, const std::optional<store::call_record>& call,
                             std::string_view call_id, std::string_view to,
                             std::shared_ptr<const std::string> frame) {
    const rooms::caller& who = *from.caller();
    if (!call || call->id != call_id || !rooms::takes_part(*call, who.member_id)) {
        throw error(error_code::not_in_call, "You are not in this call");
    }
    if (to == who.member_id || !rooms::takes_part(*call, to)) {
        throw error(error_code::unknown_peer, "That member is not in this call");
    }
    if (!from.spend_relay(frame->size())) {
        from.count_refusal();
        throw error(error_code::rate_limited, "Too many signalling bytes; slow down");
    }
    bus_.publish({who.room_id, std::move(frame), std::string(to), {}, {}, false});
}

asio::awaitable<call_roster::entry> realtime_service::active_call(const std::string& room_id) {
    std::uint64_t version = 0;
    if (auto known = roster_.find(room_id, version)) co_return known;
    auto call = co_await run_blocking(blocking_, [&] { return calls_.active(room_id); });
    co_return roster_.remember(room_id, version, std::move(call));
}

void realtime_service::publish(const std::string& room_id, const std::string& type,
                               nlohmann::json data, std::int64_t seq, std::string except_member) {
    bool call_changed = type.starts_with("call:");
    // Forgotten here first, before anyone can hear of the change and act on it.
    if (call_changed) roster_.forget(room_id);
    bus_.publish(
        {room_id, make_frame(type, data, seq), {}, std::move(except_member), {}, call_changed});
}

void realtime_service::publish_call_left(const rooms::caller& who, const rooms::left_call& call,
                                         const char* reason) {
    // The store numbered them in this order: the leave, then the end it caused.
    auto left_seq = call.seq == 0 ? 0 : call.seq - (call.call_ended ? 1 : 0);
    publish(who.room_id, "call:participant-left",
            {{"callId", call.call_id}, {"memberId", who.member_id}, {"reason", reason}}, left_seq);
    if (call.call_ended) {
        publish(who.room_id, "call:ended", {{"callId", call.call_id}, {"reason", "empty"}},
                call.seq);
    }
}

// A member whose last socket dropped keeps their place in the call for the grace period;
// past it, if they have not come back, they are removed with reason "dropped".
void realtime_service::start_grace(const rooms::caller& who) {
    auto timer = std::make_shared<asio::steady_timer>(io_, call_grace_);
    // A timer is not safe to use from two threads at once: every cancel() (here, end_grace,
    // close_all) and this async_wait happen under mutex_ (ThreadSanitizer found the wait
    // outside it racing close_all at shutdown; a rejoin's end_grace on another network
    // thread could race it the same way).
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (auto old = grace_.find(who.member_id); old != grace_.end()) old->second->cancel();
    grace_[who.member_id] = timer;
    timer->async_wait([this, who, timer](const beast::error_code& ec) {
        if (ec) return;  // cancelled: the member came back here
        {
            std::lock_guard lock(mutex_);
            auto it = grace_.find(who.member_id);
            if (it == grace_.end() || it->second != timer) return;
            grace_.erase(it);
        }
        asio::co_spawn(
            io_,
            [this, who]() -> asio::awaitable<void> {
                auto left =
                    co_await run_blocking(blocking_, [&]() -> std::optional<rooms::left_call> {
                        // They may have come back to another instance.
                        bool back = presence_.online(who.room_id, who.member_id);
                        spdlog::info(nlohmann::json{
                            {"event", "call_grace_ended"},
                            {"room", who.room_id},
                            {"member", who.member_id},
                            {"online",
                             back}}.dump());
                        if (back) return std::nullopt;
                        return calls_.leave_current(who, "dropped");
                    });
                if (left) publish_call_left(who, *left, "dropped");
            },
            logged_failure("removing a dropped call participant"));
    });
}

void realtime_service::end_grace(const rooms::caller& who) {
    std::lock_guard lock(mutex_);
    if (auto it = grace_.find(who.member_id); it != grace_.end()) {
        it->second->cancel();
        grace_.erase(it);
    }
}

}  // namespace parlor::realtime
