// Scenario 3: join storm. Members whose tokens exist already (made over REST beforehand,
// not timed) open a socket, upgrade, send room:join and wait for their room:state, many at
// a time. Each joined socket stays open (and keeps reading the presence events that follow)
// until the storm is over.

#include "payloads.hpp"
#include "scenarios.hpp"
#include "setup.hpp"

namespace load {

asio::awaitable<scenario_result> run_join(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "join";
    std::size_t room_count = (opt.joins + opt.room_size - 1) / opt.room_size;
    auto rooms = co_await create_rooms(net, room_count, opt.room_size, opt.setup_concurrency);
    std::vector<std::pair<const room*, const member*>> people;
    for (const auto& r : rooms) {
        for (const auto& m : r.members) {
            if (people.size() < opt.joins) people.emplace_back(&r, &m);
        }
    }

    std::vector<std::shared_ptr<ws_conn>> sockets(people.size());
    std::vector<std::uint64_t> times;
    times.reserve(people.size());
    std::size_t failed = 0, closed_early = 0;
    bool storm_over = false;
    wait_group readers(net.io.get_executor());
    auto keep_reading = [&](std::shared_ptr<ws_conn> socket) -> asio::awaitable<void> {
        try {
            for (;;) {
                auto text = co_await socket->read();
                if (string_field(text, R"("type")") == "error") {
                    out.fail("error frame after joining: " + std::string(text.substr(0, 200)));
                }
            }
        } catch (const std::exception&) {
            if (!storm_over) ++closed_early;
        }
        readers.done();
    };

    cpu_meter meter(opt.server_pid);
    meter.start();
    auto started = steady::now();
    co_await run_concurrently(
        people.size(), opt.concurrency, [&](std::size_t i, std::size_t) -> asio::awaitable<void> {
            auto t0 = steady::now();
            try {
                sockets[i] = co_await join_socket(net, *people[i].first, *people[i].second);
            } catch (const std::exception& e) {
                if (++failed <= 5) out.fail(std::string("a join failed: ") + e.what());
                co_return;
            }
            times.push_back(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t0).count()));
            readers.add();
            asio::co_spawn(net.io, keep_reading(sockets[i]), asio::detached);
        });
    auto ended = steady::now();
    meter.stop();
    co_await sleep_for(std::chrono::milliseconds(500));  // sockets must stay up after joining
    storm_over = true;
    for (auto& s : sockets) {
        if (s) s->close();
    }
    co_await readers.wait();

    double wall = std::chrono::duration<double>(ended - started).count();
    std::size_t joined = people.size() - failed;
    out.metrics = to_json(summarize(times));
    out.metrics["joins_per_s"] = static_cast<double>(joined) / wall;
    out.metrics["measured_s"] = wall;
    out.metrics["concurrency"] = opt.concurrency;
    out.metrics["room_size"] = opt.room_size;
    meter.report(out.metrics);
    if (auto cpu = meter.server_seconds(); cpu && *cpu > 0) {
        out.metrics["per_server_cpu_s"] = static_cast<double>(joined) / *cpu;
    }
    out.checks = {{"attempted", people.size()},
                  {"joined", joined},
                  {"failed", failed},
                  {"closed_early", closed_early}};
    if (failed) out.fail(std::to_string(failed) + " joins failed");
    if (closed_early) out.fail(std::to_string(closed_early) + " joined sockets closed early");
    co_return out;
}

}  // namespace load
