#pragma once

// The benchmark scenarios. Each runs against the server at `net`, checks that the server
// did what the protocol says for every message, and returns its numbers; a result with
// failures is not a valid measurement.

#include <cstddef>
#include <cstdint>

#include "net.hpp"
#include "stats.hpp"

namespace load {

struct options {
    int server_pid = 0;      // for CPU time and memory; 0: not measured
    std::size_t rooms = 20;  // relay/latency: rooms of `room_size` call participants
    std::size_t room_size = 6;
    double warmup_s = 2;              // relay/latency/rest: not counted
    double duration_s = 10;           // relay/latency/rest: measured
    std::size_t window = 4;           // relay: messages each participant keeps in flight
    double rate = 0;                  // latency: messages a second, across all participants
    std::size_t joins = 6000;         // join: sockets joined in the storm
    std::size_t connections = 10000;  // idle
    std::size_t concurrency = 64;     // join/idle/rest: operations at a time
    std::size_t setup_concurrency = 16;
    double settle_s = 5;  // idle: wait before reading memory
    unsigned seed = 1;
    std::uint64_t file_bytes = std::uint64_t{1} << 30;  // files: size of each file
    std::size_t file_parallel = 8;                      // files: transfers at once
    bool files_direct = false;       // files: plain PUT/GET of <url>/<name> (nginx), no protocol
    std::size_t clients = 1000;      // soak: people, in rooms of 4 to 8
    int soak_source_addresses = 16;  // soak: client i connects from 127.0.0.<1 + i % this>
};

asio::awaitable<scenario_result> run_relay(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_latency(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_join(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_idle(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_rest(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_files(net_context& net, const options& opt);
asio::awaitable<scenario_result> run_soak(net_context& net, const options& opt);

}  // namespace load
