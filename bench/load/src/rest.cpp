// Scenario 5: REST. Keep-alive connections, `concurrency` at a time, first creating rooms
// (POST /api/rooms) for warmup + duration seconds, then joining them (POST
// /api/rooms/:code/join) for as long again. Every reply is checked.

#include <functional>

#include "scenarios.hpp"
#include "setup.hpp"

namespace load {
namespace {

struct phase_numbers {
    std::uint64_t done = 0, failed = 0;
    std::vector<std::uint64_t> times;
    double wall = 0;
    std::optional<cpu_meter> meter;
};

// One request: what to send, and how to check what came back (throws when it is wrong).
struct rest_call {
    std::string target, body;
    std::function<void(const http_reply&)> check;
};

asio::awaitable<phase_numbers> run_phase(net_context& net, const options& opt, scenario_result& out,
                                         std::function<rest_call(std::uint64_t)> next_call) {
    phase_numbers n;
    auto start = steady::now();
    auto measure_from = start + std::chrono::milliseconds(static_cast<long>(opt.warmup_s * 1000));
    auto measure_to =
        measure_from + std::chrono::milliseconds(static_cast<long>(opt.duration_s * 1000));
    std::uint64_t sequence = 0;
    bool sampled = false;
    std::vector<std::unique_ptr<http_client>> clients;
    for (std::size_t i = 0; i < opt.concurrency; ++i) {
        clients.push_back(std::make_unique<http_client>(net));
    }
    co_await run_concurrently(
        opt.concurrency, opt.concurrency,
        [&](std::size_t, std::size_t worker) -> asio::awaitable<void> {
            auto& client = *clients[worker];
            for (;;) {
                auto t0 = steady::now();
                if (t0 >= measure_to) co_return;
                if (t0 >= measure_from && !sampled) {
                    sampled = true;
                    n.meter.emplace(opt.server_pid);
                    n.meter->start();
                }
                auto call = next_call(sequence++);
                bool ok = true;
                try {
                    auto reply = co_await client.request(http::verb::post, call.target, call.body);
                    call.check(reply);
                } catch (const std::exception& e) {
                    ok = false;
                    if (++n.failed <= 5) out.fail(call.target + ": " + e.what());
                }
                auto t1 = steady::now();
                if (t0 >= measure_from && t1 < measure_to && ok) {
                    ++n.done;
                    n.times.push_back(static_cast<std::uint64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
                }
            }
        });
    if (n.meter) n.meter->stop();
    n.wall = std::chrono::duration<double>(measure_to - measure_from).count();
    co_return n;
}

void report(scenario_result& out, const std::string& prefix, phase_numbers& n) {
    auto s = summarize(n.times);
    out.metrics[prefix + "_per_s"] = static_cast<double>(n.done) / n.wall;
    out.metrics[prefix + "_p50_ms"] = s.p50_ms;
    out.metrics[prefix + "_p99_ms"] = s.p99_ms;
    out.metrics[prefix + "_p999_ms"] = s.p999_ms;
    out.metrics[prefix + "_max_ms"] = s.max_ms;
    if (n.meter) n.meter->report(out.metrics, prefix + "_");
    out.checks[prefix + "_ok"] = n.done;
    out.checks[prefix + "_failed"] = n.failed;
    if (n.failed) out.fail(std::to_string(n.failed) + " " + prefix + " requests failed");
}

}  // namespace

asio::awaitable<scenario_result> run_rest(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "rest";
    std::vector<room> created;
    auto creates = co_await run_phase(net, opt, out, [&](std::uint64_t i) {
        auto name = "Creator " + std::to_string(i);
        return rest_call{"/api/rooms", json{{"displayName", name}}.dump(),
                         [&created, name](const http_reply& reply) {
                             room r;
                             check_member_reply(reply, 201, name, &r);
                             created.push_back(std::move(r));
                         }};
    });
    report(out, "create", creates);
    if (created.empty()) co_return out;

    auto joins = co_await run_phase(net, opt, out, [&](std::uint64_t i) {
        const room& r = created[i % created.size()];
        auto name = "Guest " + std::to_string(i);
        return rest_call{"/api/rooms/" + r.code + "/join", json{{"displayName", name}}.dump(),
                         [&r, name](const http_reply& reply) {
                             room joined;
                             check_member_reply(reply, 200, name, &joined);
                             if (joined.id != r.id) {
                                 throw protocol_error("join reply names another room");
                             }
                         }};
    });
    report(out, "join", joins);
    out.metrics["concurrency"] = opt.concurrency;
    out.metrics["rooms_joined"] = created.size();
    co_return out;
}

}  // namespace load
