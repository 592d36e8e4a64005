// Scenarios 1 and 2: signaling relay throughput (closed loop, a window of messages in
// flight per participant) and relay latency (open loop, a fixed rate).

#include <cmath>

#include "payloads.hpp"
#include "scenarios.hpp"
#include "setup.hpp"

namespace load {
namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
        .count();
}

struct participant {
    std::shared_ptr<ws_conn> conn;
    std::string member_id;
    std::string call_id;
    std::uint32_t first = 0;  // index of the room's first participant
    std::uint32_t room_size = 0;
    std::uint32_t slot = 0;  // place in the room
    std::uint64_t sent = 0;
    std::uint32_t in_flight = 0;
    std::uint32_t next_peer = 0;
};

// One message sent: who to whom, when, what; delivered once it has come back.
struct sent_message {
    std::uint32_t sender = 0;
    std::uint32_t receiver = 0;
    std::int64_t sent_ns = 0;
    signal_kind kind = signal_kind::ice;
    bool delivered = false;
};

class relay_run {
  public:
    relay_run(net_context& net, const options& opt)
        : net_(net), opt_(opt), factory_(opt.seed), readers_(net.io.get_executor()) {}

    asio::awaitable<void> setup() {
        auto rooms =
            co_await create_rooms(net_, opt_.rooms, opt_.room_size, opt_.setup_concurrency);
        std::vector<std::vector<std::shared_ptr<ws_conn>>> sockets(rooms.size());
        std::vector<std::string> calls(rooms.size());
        co_await run_concurrently(rooms.size(), opt_.setup_concurrency,
                                  [&](std::size_t i, std::size_t) -> asio::awaitable<void> {
                                      calls[i] = co_await join_call(net_, rooms[i], sockets[i]);
                                  });
        for (std::size_t r = 0; r < rooms.size(); ++r) {
            auto first = static_cast<std::uint32_t>(people_.size());
            for (std::size_t m = 0; m < rooms[r].members.size(); ++m) {
                participant p;
                p.conn = sockets[r][m];
                p.member_id = rooms[r].members[m].id;
                p.call_id = calls[r];
                p.first = first;
                p.room_size = static_cast<std::uint32_t>(rooms[r].members.size());
                p.slot = static_cast<std::uint32_t>(m);
                people_.push_back(std::move(p));
            }
        }
        for (std::uint32_t i = 0; i < people_.size(); ++i) {
            readers_.add();
            asio::co_spawn(net_.io, read_loop(i), asio::detached);
        }
    }

    std::uint64_t delivered() const { return delivered_; }

    void send_one(std::uint32_t sender) {
        auto& p = people_[sender];
        auto peer_slot = p.next_peer++ % (p.room_size - 1);
        if (peer_slot >= p.slot) ++peer_slot;
        auto receiver = p.first + peer_slot;
        std::uint64_t id = log_.size();
        auto kind = kind_for(p.sent++);
        log_.push_back({sender, receiver, now_ns(), kind, false});
        auto frame =
            factory_.make(kind, people_[receiver].member_id, p.call_id, {id, sender, receiver});
        bytes_sent_ += frame.size();
        smallest_ = std::min<std::uint64_t>(smallest_, frame.size());
        largest_ = std::max<std::uint64_t>(largest_, frame.size());
        p.conn->send(std::move(frame));
        ++p.in_flight;
    }

    void refill(std::uint32_t sender) {
        while (sending_ && closed_loop_ && people_[sender].in_flight < opt_.window)
            send_one(sender);
    }

    // Waits until every message sent has been delivered, or nothing more has arrived for
    // `quiet` (a server that has lost messages), or a minute has passed.
    asio::awaitable<void> drain(steady::duration quiet) {
        auto give_up = steady::now() + std::chrono::minutes(1);
        auto last_progress = steady::now();
        auto seen = delivered_;
        while (delivered_ < log_.size() && !broken()) {
            auto now = steady::now();
            if (delivered_ != seen) {
                seen = delivered_;
                last_progress = now;
            }
            if (now - last_progress > quiet || now > give_up) break;
            co_await sleep_for(std::chrono::milliseconds(20));
        }
    }

    asio::awaitable<void> close_all() {
        closing_ = true;
        for (auto& p : people_) p.conn->close();
        co_await readers_.wait();
    }

    // The checks every result carries; failures make it invalid.
    void check(scenario_result& out) const {
        std::uint64_t lost = log_.size() - delivered_;
        std::size_t write_errors = 0;
        for (const auto& p : people_) write_errors += p.conn->write_failed() ? 1 : 0;
        out.checks = {{"participants", people_.size()},    {"sent", log_.size()},
                      {"delivered_once", delivered_},      {"lost", lost},
                      {"duplicated", duplicated_},         {"misrouted", misrouted_},
                      {"malformed", malformed_},           {"error_frames", error_frames_},
                      {"sockets_closed", sockets_closed_}, {"write_errors", write_errors}};
        if (lost) out.fail(std::to_string(lost) + " messages were never delivered");
        if (duplicated_) out.fail(std::to_string(duplicated_) + " messages came more than once");
        if (misrouted_) out.fail(std::to_string(misrouted_) + " messages reached the wrong peer");
        if (malformed_) out.fail(std::to_string(malformed_) + " forwarded messages were altered");
        if (error_frames_) out.fail(std::to_string(error_frames_) + " error frames");
        if (sockets_closed_) out.fail(std::to_string(sockets_closed_) + " sockets closed early");
        if (write_errors) out.fail(std::to_string(write_errors) + " sockets failed to write");
        for (const auto& p : problems_) out.fail(p);
    }

    bool broken() const { return sockets_closed_ > 0 || error_frames_ > 0; }
    std::size_t participants() const { return people_.size(); }
    std::uint64_t sent() const { return log_.size(); }
    nlohmann::json frame_sizes() const {
        return {{"mean_frame_bytes", mean_frame_bytes()},
                {"min_frame_bytes", log_.empty() ? 0 : smallest_},
                {"max_frame_bytes", largest_}};
    }
    double mean_frame_bytes() const {
        return log_.empty() ? 0 : static_cast<double>(bytes_sent_) / log_.size();
    }

    bool sending_ = false;
    bool closed_loop_ = false;  // relay: each delivery lets its sender send again
    std::size_t next_sender_ = 0;
    std::int64_t measure_from_ = 0, measure_to_ = 0;  // latency: messages sent in between
    std::vector<std::uint64_t> latencies_;

  private:
    asio::awaitable<void> read_loop(std::uint32_t index) {
        auto conn = people_[index].conn;
        try {
            for (;;) on_frame(index, co_await conn->read());
        } catch (const std::exception& e) {
            if (!closing_) {
                ++sockets_closed_;
                problem("participant " + std::to_string(index) + "'s socket ended: " + e.what());
            }
        }
        readers_.done();
    }

    void problem(std::string text) {
        if (problems_.size() < 5) problems_.push_back(std::move(text));
    }

    void on_frame(std::uint32_t receiver, std::string_view text) {
        auto got = scan_signal(text);
        if (got.type.rfind("signal:", 0) != 0) {
            if (got.type == "error") {
                ++error_frames_;
                problem("error frame: " + std::string(text.substr(0, 200)));
            }
            return;  // presence and call events
        }
        if (!got.mark || got.mark->id >= log_.size()) {
            ++malformed_;
            problem("a signal without a valid marker: " + std::string(text.substr(0, 200)));
            return;
        }
        auto& sent = log_[got.mark->id];
        if (sent.receiver != receiver || got.mark->receiver != receiver ||
            got.mark->sender != sent.sender || got.from != people_[sent.sender].member_id) {
            ++misrouted_;
            problem("message " + std::to_string(got.mark->id) + " for participant " +
                    std::to_string(sent.receiver) + " from " + std::to_string(sent.sender) +
                    " reached " + std::to_string(receiver) + " with from=" + std::string(got.from));
            return;
        }
        if (got.call_id != people_[receiver].call_id || got.type != type_name(sent.kind)) {
            ++malformed_;
            problem("message " + std::to_string(got.mark->id) + " changed type or callId");
            return;
        }
        if (sent.delivered) {
            ++duplicated_;
            return;
        }
        sent.delivered = true;
        ++delivered_;
        if (sent.sent_ns >= measure_from_ && sent.sent_ns < measure_to_) {
            latencies_.push_back(static_cast<std::uint64_t>(now_ns() - sent.sent_ns));
        }
        --people_[sent.sender].in_flight;
        refill(sent.sender);
    }

    net_context& net_;
    const options& opt_;
    signal_factory factory_;
    std::vector<participant> people_;
    std::vector<sent_message> log_;
    wait_group readers_;
    bool closing_ = false;
    std::uint64_t delivered_ = 0, duplicated_ = 0, misrouted_ = 0, malformed_ = 0;
    std::uint64_t error_frames_ = 0, sockets_closed_ = 0, bytes_sent_ = 0;
    std::uint64_t smallest_ = UINT64_MAX, largest_ = 0;
    std::vector<std::string> problems_;
};

std::chrono::nanoseconds seconds(double s) {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

}  // namespace

asio::awaitable<scenario_result> run_relay(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "relay";
    relay_run run(net, opt);
    co_await run.setup();

    // Closed loop: each participant keeps `window` messages in flight, to its peers in turn.
    run.measure_from_ = run.measure_to_ = 0;  // no latencies here
    run.closed_loop_ = true;
    run.sending_ = true;
    for (std::uint32_t i = 0; i < run.participants(); ++i) run.refill(i);
    co_await sleep_for(seconds(opt.warmup_s));
    cpu_meter meter(opt.server_pid);
    meter.start();
    auto delivered_before = run.delivered();
    co_await sleep_for(seconds(opt.duration_s));
    meter.stop();
    auto delivered = static_cast<double>(run.delivered() - delivered_before);
    run.sending_ = false;
    co_await run.drain(std::chrono::seconds(5));
    co_await run.close_all();

    double wall = meter.wall_seconds();
    out.metrics = {
        {"delivered_per_s", delivered / wall}, {"measured_s", wall},   {"rooms", opt.rooms},
        {"participants", run.participants()},  {"window", opt.window}, {"frames_sent", run.sent()}};
    out.metrics.update(run.frame_sizes());
    meter.report(out.metrics);
    if (auto cpu = meter.server_seconds()) {
        out.metrics["server_cpu_s"] = *cpu;
        if (*cpu > 0) out.metrics["per_server_cpu_s"] = delivered / *cpu;
    }
    run.check(out);
    co_return out;
}

asio::awaitable<scenario_result> run_latency(net_context& net, const options& opt) {
    scenario_result out;
    out.scenario = "latency";
    if (opt.rate <= 0) throw std::invalid_argument("--rate must be positive for latency");
    relay_run run(net, opt);
    co_await run.setup();

    // Open loop: messages go out on schedule whatever the server does; latency runs from
    // handing a frame to the socket until it arrives at the peer.
    auto start = now_ns();
    run.measure_from_ = start + seconds(opt.warmup_s).count();
    run.measure_to_ = run.measure_from_ + seconds(opt.duration_s).count();
    run.sending_ = true;
    cpu_meter meter(opt.server_pid);
    std::uint64_t delivered_before = 0;
    bool measuring = false, overloaded = false;
    asio::steady_timer tick(net.io);
    auto next = steady::now();
    for (;;) {
        auto now = now_ns();
        if (!measuring && now >= run.measure_from_) {
            meter.start();
            delivered_before = run.delivered();
            measuring = true;
        }
        if (now >= run.measure_to_ || run.broken()) break;
        // Overloaded: more than two seconds' worth of messages on their way. Latency would
        // only measure a queue that keeps growing; stop (after a second of measurement).
        if (now >= run.measure_from_ + seconds(1).count() &&
            static_cast<double>(run.sent() - run.delivered()) > 2 * opt.rate) {
            overloaded = true;
            run.measure_to_ = now;
            break;
        }
        auto due = static_cast<std::uint64_t>(static_cast<double>(now - start) / 1e9 * opt.rate);
        while (run.sent() < due) {
            run.send_one(static_cast<std::uint32_t>(run.next_sender_++ % run.participants()));
        }
        next += std::chrono::microseconds(250);
        tick.expires_at(next);
        beast::error_code ignored;
        co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    meter.stop();
    auto delivered = static_cast<double>(run.delivered() - delivered_before);
    run.sending_ = false;
    co_await run.drain(std::chrono::seconds(5));
    co_await run.close_all();

    double wall = meter.wall_seconds();
    auto summary = summarize(run.latencies_);
    out.metrics = to_json(summary);
    out.metrics["rate_target"] = opt.rate;
    out.metrics["delivered_per_s"] = delivered / wall;
    out.metrics["measured_s"] = wall;
    out.metrics["participants"] = run.participants();
    out.metrics.update(run.frame_sizes());
    meter.report(out.metrics);
    run.check(out);
    // Overloaded: the run stopped early, or the server relayed less than was offered (its
    // queue grew all along, so its latencies measure the queue, not the relay).
    bool short_of_rate = out.metrics["delivered_per_s"].get<double>() < 0.97 * opt.rate;
    out.metrics["overloaded"] = overloaded || short_of_rate;
    if (overloaded) {
        out.notes.push_back(
            "overloaded: more than 2 s of messages were queued after " +
            std::to_string(static_cast<int>(wall)) +
            " s of measurement, so the run stopped there; its latencies measure a growing queue");
    } else if (short_of_rate) {
        out.notes.push_back(
            "overloaded: the server relayed fewer messages than were offered, so a queue grew "
            "during the whole run and its latencies measure that queue");
    }
    co_return out;
}

}  // namespace load
