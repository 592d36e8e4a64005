// parlor-load: drives a server that speaks Parlor's protocol (docs: bench/README.md) and
// prints one JSON line with the scenario's result on stdout; progress goes to stderr.

#include <CLI/CLI.hpp>

#include <iostream>

#include "scenarios.hpp"

namespace {

using namespace load;

asio::awaitable<scenario_result> run_scenario(const std::string& name, net_context& net,
                                              const options& opt) {
    if (name == "relay") co_return co_await run_relay(net, opt);
    if (name == "latency") co_return co_await run_latency(net, opt);
    if (name == "join") co_return co_await run_join(net, opt);
    if (name == "idle") co_return co_await run_idle(net, opt);
    if (name == "files") co_return co_await run_files(net, opt);
    if (name == "soak") co_return co_await run_soak(net, opt);
    co_return co_await run_rest(net, opt);
}

}  // namespace

int main(int argc, char** argv) {
    std::string url, scenario;
    double timeout_s = 180;
    int source_count = 16;
    options opt;
    CLI::App cli{"parlor-load: benchmark load generator for Parlor's protocol"};
    cli.add_option("--url", url, "Server base URL, e.g. http://127.0.0.1:8080")->required();
    cli.add_option("--scenario", scenario, "Which scenario to run")
        ->required()
        ->check(CLI::IsMember({"relay", "latency", "join", "idle", "rest", "files", "soak"}));
    cli.add_option("--server-pid", opt.server_pid,
                   "Server process, for CPU time and memory (from /proc)");
    cli.add_option("--rooms", opt.rooms, "relay/latency: rooms, each one call")
        ->capture_default_str();
    cli.add_option("--room-size", opt.room_size, "Members per room (call participants)")
        ->check(CLI::Range(2, 64))
        ->capture_default_str();
    cli.add_option("--warmup", opt.warmup_s,
                   "Seconds of load before measuring (soak: only reported, as when the server's "
                   "memory and descriptors should have levelled off)")
        ->capture_default_str();
    cli.add_option("--duration", opt.duration_s, "Seconds measured")->capture_default_str();
    cli.add_option("--window", opt.window, "relay: messages in flight per participant")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cli.add_option("--rate", opt.rate, "latency: messages per second, all participants together");
    cli.add_option("--joins", opt.joins, "join: sockets joined in the storm")
        ->capture_default_str();
    cli.add_option("--connections", opt.connections, "idle: joined idle sockets")
        ->capture_default_str();
    cli.add_option("--clients", opt.clients, "soak: people, in rooms of 4 to 8")
        ->check(CLI::Range(2, 100000))
        ->capture_default_str();
    cli.add_option("--concurrency", opt.concurrency, "join/idle/rest: operations at a time")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cli.add_option("--setup-concurrency", opt.setup_concurrency, "REST requests at a time in setup")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    cli.add_option("--settle", opt.settle_s, "idle: seconds to wait before reading memory")
        ->capture_default_str();
    cli.add_option("--source-addresses", source_count,
                   "Spread client sockets over 127.0.0.1..127.0.0.N (loopback servers)")
        ->check(CLI::Range(0, 254))
        ->capture_default_str();
    cli.add_option("--file-bytes", opt.file_bytes, "files: bytes in each file")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
        ->capture_default_str();
    cli.add_option("--file-parallel", opt.file_parallel,
                   "files: transfers at once in the parallel phases")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cli.add_flag("--files-direct", opt.files_direct,
                 "files: PUT and GET <url>/<name> directly (a plain file server such as nginx), "
                 "no rooms, no signed links");
    cli.add_option("--seed", opt.seed, "Payload generator seed")->capture_default_str();
    cli.add_option("--timeout", timeout_s, "Give up (and report failure) after this many seconds")
        ->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    opt.soak_source_addresses = source_count;

    asio::io_context io(1);
    std::optional<net_context> net;
    try {
        auto server = server_url::parse(io, url);
        net.emplace(net_context{io, server, source_addresses(server, source_count)});
    } catch (const std::exception& e) {
        std::cerr << "parlor-load: " << e.what() << "\n";
        return 2;
    }

    scenario_result result;
    result.scenario = scenario;
    bool finished = false;
    asio::co_spawn(io, run_scenario(scenario, *net, opt),
                   [&](std::exception_ptr failure, scenario_result r) {
                       finished = true;
                       if (failure) {
                           try {
                               std::rethrow_exception(failure);
                           } catch (const std::exception& e) {
                               result.fail(std::string("the scenario stopped: ") + e.what());
                           }
                       } else {
                           result = std::move(r);
                       }
                       io.stop();
                   });
    asio::steady_timer watchdog(io, std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
    watchdog.async_wait([&](const beast::error_code& ec) {
        if (ec || finished) return;
        result.fail("timed out after " + std::to_string(static_cast<int>(timeout_s)) + " s");
        io.stop();
    });
    io.run();
    std::cout << result.to_json().dump() << std::endl;
    return result.failures.empty() ? 0 : 1;
}
