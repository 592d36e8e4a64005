#pragma once

// Getting people into rooms and calls, as protocol.md describes: POST /api/rooms, POST
// /api/rooms/:code/join, then a socket per person that sends room:join and waits for
// room:state; the first person starts the call, the others join it.

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net.hpp"

namespace load {

struct member {
    std::string id, token, name;
};

struct room {
    std::string id, code;
    std::vector<member> members;  // members[0] created the room
};

// The server did not follow the protocol (wrong status, missing field, error frame).
class protocol_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Checks a create (201) or join (200) reply and returns who it made; `out` gets the
// room's id and code.
member check_member_reply(const http_reply& reply, int expected_status, const std::string& name,
                          room* out);

// `rooms` rooms of `size` members over REST, `concurrency` rooms at a time.
asio::awaitable<std::vector<room>> create_rooms(net_context& net, std::size_t rooms,
                                                std::size_t size, std::size_t concurrency);

// {"type": type, "data": data}
std::string envelope(std::string_view type, const json& data);

// Reads frames until one of `type` arrives (others are skipped); an error frame throws.
asio::awaitable<json> read_until(ws_conn& socket, std::string_view type);

// A socket joined to the room as `who`: room:state has come back and says so.
asio::awaitable<std::shared_ptr<ws_conn>> join_socket(net_context& net, const room& r,
                                                      const member& who);

// Everyone in `r` on a socket (one per member, in member order, into `sockets`) and in one
// call, which every socket has seen complete. Returns the call's id.
asio::awaitable<std::string> join_call(net_context& net, const room& r,
                                       std::vector<std::shared_ptr<ws_conn>>& sockets);

}  // namespace load
