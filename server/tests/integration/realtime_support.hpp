#pragma once

// What the WebSocket test files share: a fixture with shortcuts for joined sockets, and
// checks for the protocol's envelopes.

#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "ws_client.hpp"

namespace parlor::itest {

// A frame as text for failure messages, cut short when it is long.
inline std::string shown(const nlohmann::json& frame) {
    return ws_client::shorten(frame.dump());
}

// A frame of this type, as the protocol's envelope {"type","data"}.
inline ::testing::AssertionResult is_event(const std::optional<nlohmann::json>& frame,
                                           const std::string& type) {
    if (!frame) return ::testing::AssertionFailure() << "no frame (expected " << type << ")";
    if (!frame->is_object() || !frame->contains("type") || !frame->contains("data") ||
        !(*frame)["data"].is_object()) {
        return ::testing::AssertionFailure() << "not an envelope: " << shown(*frame);
    }
    if ((*frame)["type"] != type) {
        return ::testing::AssertionFailure() << "expected " << type << ", got " << shown(*frame);
    }
    return ::testing::AssertionSuccess();
}

// The protocol's WebSocket error: {"type":"error","data":{"code","message","rid"?}} with
// this code, echoing `rid` (and no rid when `rid` is null).
inline ::testing::AssertionResult is_ws_error(const std::optional<nlohmann::json>& frame,
                                              const std::string& code,
                                              const nlohmann::json& rid = nullptr) {
    auto envelope = is_event(frame, "error");
    if (!envelope) return envelope;
    const auto& data = (*frame)["data"];
    if (data.value("code", "") != code) {
        return ::testing::AssertionFailure() << "expected error " << code << ": " << shown(*frame);
    }
    if (!data.contains("message") || !data["message"].is_string() ||
        data["message"].get<std::string>().empty()) {
        return ::testing::AssertionFailure() << "the error has no message: " << shown(*frame);
    }
    if (rid.is_null() ? data.contains("rid") : data.value("rid", nlohmann::json()) != rid) {
        return ::testing::AssertionFailure()
               << "expected rid " << rid.dump() << ": " << shown(*frame);
    }
    return ::testing::AssertionSuccess();
}

// The set of keys of a JSON object, for shape checks.
inline std::set<std::string> keys_of(const nlohmann::json& object) {
    std::set<std::string> keys;
    if (object.is_object()) {
        for (const auto& [key, _] : object.items()) keys.insert(key);
    }
    return keys;
}

// Sends the same frame from every socket at once, one thread each, released together, so
// that the server handles them as close together as it can; returns when all are sent.
inline void send_at_once(const std::vector<ws_client*>& sockets, const std::string& type,
                         const nlohmann::json& rid) {
    std::latch ready(static_cast<std::ptrdiff_t>(sockets.size()) + 1);
    std::vector<std::thread> threads;
    for (auto* socket : sockets) {
        threads.emplace_back([&ready, socket, &type, &rid] {
            ready.arrive_and_wait();
            socket->send(type, nlohmann::json::object(), rid);
        });
    }
    ready.arrive_and_wait();
    for (auto& t : threads) t.join();
}

class realtime_test : public parlor_test {
  protected:
    std::unique_ptr<ws_client> connect(std::optional<std::string> origin = std::nullopt) {
        return std::make_unique<ws_client>(port(), std::move(origin));
    }

    // A socket that has sent room:join as `who` and read its room:state (into *state when
    // given); throws if the join was not answered with room:state.
    std::unique_ptr<ws_client> join(const admission& who, nlohmann::json* state = nullptr) {
        auto socket = connect();
        socket->send("room:join", {{"token", who.token}});
        auto reply = socket->next();
        if (!is_event(reply, "room:state")) {
            throw std::runtime_error("room:join as " + who.display_name + " was answered with " +
                                     (reply ? reply->dump() : std::string("nothing")));
        }
        if (state) *state = (*reply)["data"];
        return socket;
    }

    // Starts a call from `socket` and returns its id, read from the call:started it gets.
    std::string start_call(ws_client& socket) {
        socket.send("call:start");
        auto started = socket.next_of_type("call:started");
        if (!started) throw std::runtime_error("no call:started after call:start");
        return (*started)["data"]["call"]["id"].get<std::string>();
    }
};

// Ada created the room; Grace and Linus joined it. Everyone's socket is open and has read
// the member:joined announcements of the later sockets (two for Ada, one for Grace).
class three_in_a_room_test : public realtime_test {
  protected:
    void SetUp() override {
        realtime_test::SetUp();
        ada = api().create_room("Ada");
        grace = api().join_room(ada.code, "Grace");
        linus = api().join_room(ada.code, "Linus");
        ada_ws = join(ada);
        grace_ws = join(grace);
        linus_ws = join(linus);
        for (auto* socket : {ada_ws.get(), ada_ws.get(), grace_ws.get()}) {
            if (!is_event(socket->next(), "member:joined"))
                throw std::runtime_error("a member:joined went missing");
        }
    }

    admission ada, grace, linus;
    std::unique_ptr<ws_client> ada_ws, grace_ws, linus_ws;
};

// Then Ada started a call that Grace joined; Linus is in the room, online, not in the call.
// Everyone's socket has read everything so far.
class call_of_two_test : public three_in_a_room_test {
  protected:
    void SetUp() override {
        three_in_a_room_test::SetUp();
        call_id = start_call(*ada_ws);
        grace_ws->send("call:join", {{"callId", call_id}});
        // Ada: call:participant-joined; Grace: call:started, call:participant-joined;
        // Linus: call:started, call:participant-joined.
        for (auto* socket : {ada_ws.get(), grace_ws.get(), linus_ws.get()}) {
            if (!socket->next_of_type("call:participant-joined"))
                throw std::runtime_error("call:participant-joined went missing");
        }
    }

    std::string call_id;
};

}  // namespace parlor::itest
