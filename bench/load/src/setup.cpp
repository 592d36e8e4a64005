#include "setup.hpp"

#include <set>

namespace load {
namespace {

std::string describe(const http_reply& reply) {
    return "HTTP " + std::to_string(reply.status) + " " + reply.body.substr(0, 200);
}

const std::string& string_at(const json& j, const char* a, const char* b = nullptr) {
    const json* node = &j;
    for (const char* key : {a, b}) {
        if (!key) break;
        if (!node->is_object() || !node->contains(key)) {
            throw protocol_error(std::string("reply lacks ") + key);
        }
        node = &(*node)[key];
    }
    if (!node->is_string() || node->get_ref<const std::string&>().empty()) {
        throw protocol_error(std::string("reply field ") + (b ? b : a) + " is not a string");
    }
    return node->get_ref<const std::string&>();
}

}  // namespace

member check_member_reply(const http_reply& reply, int expected_status, const std::string& name,
                          room* out) {
    if (reply.status != expected_status) throw protocol_error(describe(reply));
    auto body = json::parse(reply.body, nullptr, false);
    if (!body.is_object()) throw protocol_error("reply is not a JSON object: " + describe(reply));
    member who{string_at(body, "member", "id"), string_at(body, "token"), name};
    if (string_at(body, "member", "displayName") != name) {
        throw protocol_error("reply names someone else: " + describe(reply));
    }
    if (out) {
        out->id = string_at(body, "room", "id");
        out->code = string_at(body, "room", "code");
    }
    return who;
}

asio::awaitable<std::vector<room>> create_rooms(net_context& net, std::size_t rooms,
                                                std::size_t size, std::size_t concurrency) {
    std::vector<room> out(rooms);
    std::vector<std::unique_ptr<http_client>> clients;
    for (std::size_t i = 0; i < std::min(rooms, concurrency); ++i) {
        clients.push_back(std::make_unique<http_client>(net));
    }
    co_await run_concurrently(
        rooms, concurrency, [&](std::size_t index, std::size_t worker) -> asio::awaitable<void> {
            auto& client = *clients[worker];
            room& r = out[index];
            for (std::size_t m = 0; m < size; ++m) {
                std::string name = "Bench " + std::to_string(index) + "." + std::to_string(m);
                std::string body = json{{"displayName", name}}.dump();
                if (m == 0) {
                    auto reply = co_await client.request(http::verb::post, "/api/rooms", body);
                    r.members.push_back(check_member_reply(reply, 201, name, &r));
                } else {
                    auto reply = co_await client.request(http::verb::post,
                                                         "/api/rooms/" + r.code + "/join", body);
                    room joined;
                    r.members.push_back(check_member_reply(reply, 200, name, &joined));
                    if (joined.id != r.id) throw protocol_error("join reply names another room");
                }
            }
        });
    co_return out;
}

std::string envelope(std::string_view type, const json& data) {
    return json{{"type", type}, {"data", data}}.dump();
}

asio::awaitable<json> read_until(ws_conn& socket, std::string_view type) {
    for (;;) {
        auto text = co_await socket.read();
        auto frame = json::parse(text, nullptr, false);
        if (!frame.is_object() || !frame.contains("type") || !frame["type"].is_string()) {
            throw protocol_error("not a protocol frame: " + std::string(text.substr(0, 200)));
        }
        const auto& got = frame["type"].get_ref<const std::string&>();
        if (got == type) co_return frame;
        if (got == "error") {
            throw protocol_error("error frame while waiting for " + std::string(type) + ": " +
                                 std::string(text.substr(0, 300)));
        }
    }
}

asio::awaitable<std::shared_ptr<ws_conn>> join_socket(net_context& net, const room& r,
                                                      const member& who) {
    auto socket = std::make_shared<ws_conn>(net);
    co_await socket->open();
    socket->send(envelope("room:join", {{"token", who.token}}));
    auto state = co_await read_until(*socket, "room:state");
    const auto& data = state["data"];
    if (!data.is_object() || data.value("self", "") != who.id) {
        throw protocol_error("room:state is not about this member");
    }
    if (!data.contains("room") || !data["room"].is_object() ||
        data["room"].value("id", "") != r.id) {
        throw protocol_error("room:state is about another room");
    }
    bool listed = false;
    for (const auto& m : data.value("members", json::array())) {
        if (m.is_object() && m.value("id", "") == who.id) listed = true;
    }
    if (!listed) throw protocol_error("room:state does not list the member who joined");
    co_return socket;
}

asio::awaitable<std::string> join_call(net_context& net, const room& r,
                                       std::vector<std::shared_ptr<ws_conn>>& sockets) {
    for (const auto& who : r.members) sockets.push_back(co_await join_socket(net, r, who));

    sockets[0]->send(envelope("call:start", json::object()));
    auto started = co_await read_until(*sockets[0], "call:started");
    std::string call_id;
    try {
        call_id = started["data"]["call"]["id"].get<std::string>();
    } catch (const json::exception&) {
        throw protocol_error("call:started without data.call.id");
    }
    for (std::size_t i = 1; i < sockets.size(); ++i) {
        sockets[i]->send(envelope("call:join", {{"callId", call_id}}));
    }

    // Every socket must see the whole call: the starter (in call:started) and one
    // call:participant-joined per other member.
    std::set<std::string> everyone;
    for (const auto& who : r.members) everyone.insert(who.id);
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        std::set<std::string> seen;
        if (i == 0) seen.insert(r.members[0].id);
        while (seen != everyone) {
            auto text = co_await sockets[i]->read();
            auto frame = json::parse(text, nullptr, false);
            auto type = frame.is_object() ? frame.value("type", "") : "";
            const auto& data = frame.is_object() && frame.contains("data") ? frame["data"] : json();
            if (type == "error") throw protocol_error("error frame: " + std::string(text));
            if (type == "call:started" && data.contains("call") &&
                data["call"].value("id", "") == call_id) {
                for (const auto& p : data["call"].value("participants", json::array())) {
                    seen.insert(p.value("memberId", ""));
                }
            }
            if (type == "call:participant-joined" && data.value("callId", "") == call_id) {
                seen.insert(data.value("memberId", ""));
            }
            for (const auto& id : seen) {
                if (!everyone.count(id)) throw protocol_error("a stranger joined the call");
            }
        }
    }
    co_return call_id;
}

}  // namespace load
