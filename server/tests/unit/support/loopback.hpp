#pragma once

// For the unit tests of the network edge (parlor_net_unit_tests): one io_context that the
// test thread runs itself until a condition holds (every wait has a deadline), connected
// socket pairs on 127.0.0.1, and Parlor's realtime half wired as app/server.cpp wires it,
// over SQLite in a temporary directory.

#include <chrono>
#include <string>
#include <utility>

#include "auth/ice_servers.hpp"
#include "auth/token_service.hpp"
#include "common/asio.hpp"
#include "bus/bus.hpp"
#include "common/metrics.hpp"
#include "realtime/hub.hpp"
#include "realtime/realtime_service.hpp"
#include "rooms/call_service.hpp"
#include "rooms/room_service.hpp"
#include "store/sql_store.hpp"
#include "support/temp_dir.hpp"

namespace parlor::testing {

using namespace std::chrono_literals;

// Runs `io` until `done()` holds or `timeout` passes; returns done().
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (io.stopped()) io.restart();
        if (io.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() >= deadline) {
            return done();
        }
    }
    return true;
}

// Runs the handlers that are ready now, and those they make ready, without waiting.
inline void run_ready(asio::io_context& io) {
    if (io.stopped()) io.restart();
    io.poll();
}

// Two ends of one TCP connection on 127.0.0.1 (port 0), both on `io`: {server, client}.
inline std::pair<tcp::socket, tcp::socket> connected_pair(asio::io_context& io) {
    tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());  // completes against the listen backlog
    tcp::socket server(asio::make_strand(io));
    acceptor.accept(server);
    return {std::move(server), std::move(client)};
}

// The realtime half of `parlor` (store, rooms, calls, hub, bus, realtime service) on an
// io_context the test runs.
struct realtime_parts {
    explicit realtime_parts(realtime::socket_limits limits = {})
        : store(store::database_location::sqlite(dir.path() / "parlor.db"), 1),
          tokens(std::string(64, 's'), clock, std::chrono::hours(12)),
          calls(store, clock, 6),
          rooms(store, tokens, online, calls, clock),
          chat(store, clock, {}),
          ice_servers({}, clock),
          blocking(1),
          service(io, blocking, rooms, calls, chat, bus, sockets, online, ice_servers, reports,
                  std::chrono::seconds(20), limits) {
        store.migrate();
        bus.subscribe([this](const bus::room_event& e) { sockets.deliver(e); });
        rooms.notify(service);
    }
    ~realtime_parts() { blocking.join(); }

    // First, so that it goes last: the handlers it still holds may hold sockets.
    asio::io_context io;
    temp_dir dir;
    system_clock clock;
    store::sql_store store;
    auth::token_service tokens;
    realtime::hub sockets;
    bus::local_presence online;
    rooms::call_service calls;
    rooms::room_service rooms;
    rooms::chat_service chat;
    auth::ice_server_provider ice_servers;
    parlor::metrics reports;
    bus::in_process_bus bus;
    asio::thread_pool blocking;
    realtime::realtime_service service;
};

}  // namespace parlor::testing
