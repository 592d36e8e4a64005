// Scenario 4: idle connections. `connections` members (tokens made over REST first) each
// hold a joined socket that sends nothing after room:join; the server's resident memory is
// read before the sockets open and again once they have settled (`settle` seconds after
// the setup, and after the last socket has joined).

#include "payloads.hpp"
#include "scenarios.hpp"
#include "setup.hpp"

namespace load {

asio::awaitable<scenario_result> run_idle(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "idle";
    if (opt.server_pid <= 0) throw std::invalid_argument("idle needs --server-pid");
    std::size_t room_count = (opt.connections + opt.room_size - 1) / opt.room_size;
    auto rooms = co_await create_rooms(net, room_count, opt.room_size, opt.setup_concurrency);
    std::vector<std::pair<const room*, const member*>> people;
    for (const auto& r : rooms) {
        for (const auto& m : r.members) {
            if (people.size() < opt.connections) people.emplace_back(&r, &m);
        }
    }

    auto settle = std::chrono::milliseconds(static_cast<long>(opt.settle_s * 1000));
    co_await sleep_for(settle);
    auto before = sample_process(opt.server_pid);

    std::vector<std::shared_ptr<ws_conn>> sockets(people.size());
    std::size_t failed = 0, closed_early = 0, error_frames = 0;
    bool done = false;
    wait_group readers(net.io.get_executor());
    auto keep_reading = [&](std::shared_ptr<ws_conn> socket) -> asio::awaitable<void> {
        try {
            for (;;) {
                auto text = co_await socket->read();
                if (string_field(text, R"("type")") == "error") ++error_frames;
            }
        } catch (const std::exception&) {
            if (!done) ++closed_early;
        }
        readers.done();
    };
    auto started = steady::now();
    co_await run_concurrently(
        people.size(), opt.concurrency, [&](std::size_t i, std::size_t) -> asio::awaitable<void> {
            try {
                sockets[i] = co_await join_socket(net, *people[i].first, *people[i].second);
            } catch (const std::exception& e) {
                if (++failed <= 5) out.fail(std::string("a join failed: ") + e.what());
                co_return;
            }
            readers.add();
            asio::co_spawn(net.io, keep_reading(sockets[i]), asio::detached);
        });
    double connect_s = std::chrono::duration<double>(steady::now() - started).count();
    co_await sleep_for(settle);
    auto after = sample_process(opt.server_pid);
    std::size_t open = people.size() - failed - closed_early;

    done = true;
    for (auto& s : sockets) {
        if (s) s->close();
    }
    co_await readers.wait();

    out.checks = {{"attempted", people.size()},   {"joined", people.size() - failed},
                  {"open_at_measurement", open},  {"failed", failed},
                  {"closed_early", closed_early}, {"error_frames", error_frames}};
    if (!before || !after) {
        out.fail("could not read the server's memory (pid " + std::to_string(opt.server_pid) + ")");
        co_return out;
    }
    out.metrics = {{"connections", open},
                   {"rss_before_mib", before->rss_kib / 1024.0},
                   {"rss_after_mib", after->rss_kib / 1024.0},
                   {"kib_per_connection",
                    open ? static_cast<double>(after->rss_kib - before->rss_kib) / open : 0.0},
                   {"connect_s", connect_s},
                   {"settle_s", opt.settle_s}};
    if (failed) out.fail(std::to_string(failed) + " joins failed");
    if (closed_early) out.fail(std::to_string(closed_early) + " sockets closed before measuring");
    if (error_frames) out.fail(std::to_string(error_frames) + " error frames");
    co_return out;
}

}  // namespace load
