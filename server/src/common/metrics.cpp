#include "common/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>

namespace parlor {
namespace {

using prometheus::Histogram;

// Seconds. A call lasts from seconds to hours; first media from 100 ms to 10 s; a request
// from a millisecond (a health check) to seconds (a file).
const Histogram::BucketBoundaries call_duration_buckets = {10,   30,   60,   120,  300,  600,
                                                           1200, 1800, 3600, 7200, 14400};
const Histogram::BucketBoundaries first_media_buckets = {0.1, 0.2, 0.3, 0.5, 0.75, 1,
                                                         1.5, 2,   3,   5,   10};
const Histogram::BucketBoundaries request_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  5,     10};

// What a browser may name as an ICE failure; anything else is counted as "other", so that
// no client can add series.
constexpr std::array<std::string_view, 3> known_ice_failures = {"failed", "disconnected-timeout",
                                                                "ice-restart"};

prometheus::MetricFamily process_family(std::string name, std::string help,
                                        prometheus::MetricType type, double value) {
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
    } else {
        metric.gauge.value = value;
    }
    return {std::move(name), std::move(help), type, {metric}};
}

double seconds_of(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// The standard process_* figures (as Prometheus' own clients export them), from getrusage
// and /proc.
std::vector<prometheus::MetricFamily> process_families(double start_time) {
    using prometheus::MetricType;
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    double resident = 0;
    if (std::ifstream statm("/proc/self/statm"); statm) {
        double total_pages = 0, resident_pages = 0;
        statm >> total_pages >> resident_pages;
        resident = resident_pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
    }
    double open_fds = 0;
    std::error_code ignored;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ignored);
         it != std::filesystem::directory_iterator(); it.increment(ignored)) {
        ++open_fds;
    }
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    return {
        process_family("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.", MetricType::Counter,
                       seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime)),
        process_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                       MetricType::Gauge, resident),
        process_family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                       open_fds),
        process_family("process_max_fds", "Maximum number of open file descriptors.",
                       MetricType::Gauge, static_cast<double>(files.rlim_cur)),
        process_family("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                       start_time),
    };
}

}  // namespace

struct metrics::families {
    std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
    double start_time =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

    prometheus::Counter& rooms_created = prometheus::BuildCounter()
                                             .Name("parlor_rooms_created_total")
                                             .Help("Rooms created.")
                                             .Register(*registry)
                                             .Add({});
    prometheus::Family<prometheus::Counter>& room_joins =
        prometheus::BuildCounter()
            .Name("parlor_room_joins_total")
            .Help(
                "Joins of a room over REST, by result: joined, rejoined (with the member's "
                "token), or the error code.")
            .Register(*registry);
    prometheus::Gauge& members_online =
        prometheus::BuildGauge()
            .Name("parlor_members_online")
            .Help("Members with at least one socket on this instance.")
            .Register(*registry)
            .Add({});
    prometheus::Gauge& sockets_open = prometheus::BuildGauge()
                                          .Name("parlor_sockets_open")
                                          .Help("WebSockets open on this instance.")
                                          .Register(*registry)
                                          .Add({});
    prometheus::Family<prometheus::Gauge>& calls_active_family =
        prometheus::BuildGauge()
            .Name("parlor_calls_active")
            .Help(
                "Active calls in the deployment (read from the database: every instance "
                "reports the same number).")
            .Register(*registry);
    prometheus::Gauge& calls_active = calls_active_family.Add({});
    prometheus::Family<prometheus::Counter>& call_joins =
        prometheus::BuildCounter()
            .Name("parlor_call_joins_total")
            .Help("call:start and call:join, by result: started, joined, or the error code.")
            .Register(*registry);
    Histogram& call_duration = prometheus::BuildHistogram()
                                   .Name("parlor_call_duration_seconds")
                                   .Help("How long calls lasted, from start to end.")
                                   .Register(*registry)
                                   .Add({}, call_duration_buckets);
    prometheus::Family<Histogram>& first_media =
        prometheus::BuildHistogram()
            .Name("parlor_time_to_first_media_seconds")
            .Help(
                "From a browser's connecting to a peer to that peer's first media, as the "
                "browsers report it, by path: direct or relay (TURN).")
            .Register(*registry);
    prometheus::Family<prometheus::Counter>& ice_failures =
        prometheus::BuildCounter()
            .Name("parlor_ice_failures_total")
            .Help("Peer connections whose ICE failed, as the browsers report them, by reason.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter>& file_uploads =
        prometheus::BuildCounter()
            .Name("parlor_file_uploads_total")
            .Help("Uploads that ended, by result: completed, or the error code that ended them.")
            .Register(*registry);
    prometheus::Counter& file_upload_bytes = prometheus::BuildCounter()
                                                 .Name("parlor_file_upload_bytes_total")
                                                 .Help("Bytes of completed uploads.")
                                                 .Register(*registry)
                                                 .Add({});
    prometheus::Counter& client_errors =
        prometheus::BuildCounter()
            .Name("parlor_client_errors_total")
            .Help("Errors the web client reported (POST /api/client-errors).")
            .Register(*registry)
            .Add({});
    prometheus::Family<Histogram>& http_requests =
        prometheus::BuildHistogram()
            .Name("parlor_http_request_duration_seconds")
            .Help(
                "HTTP requests by route and status, from the request line to the response's "
                "last byte handed to the kernel.")
            .Register(*registry);
    prometheus::Family<prometheus::Counter>& ws_messages =
        prometheus::BuildCounter()
            .Name("parlor_ws_messages_total")
            .Help("WebSocket frames, by direction: in (from clients) or out (to them).")
            .Register(*registry);
    prometheus::Counter& ws_in = ws_messages.Add({{"direction", "in"}});
    prometheus::Counter& ws_out = ws_messages.Add({{"direction", "out"}});
};

metrics::metrics() : f_(std::make_unique<families>()) {
    // The series every dashboard expects to find, present (at 0) from the start: a family
    // with no series is not exported at all.
    for (auto path : {"direct", "relay"})
        f_->first_media.Add({{"path", path}}, first_media_buckets);
    for (auto result : {"joined", "rejoined"}) f_->room_joins.Add({{"result", result}});
    for (auto result : {"started", "joined"}) f_->call_joins.Add({{"result", result}});
    for (auto reason : known_ice_failures) f_->ice_failures.Add({{"reason", std::string(reason)}});
    f_->file_uploads.Add({{"result", "completed"}});
}

metrics::~metrics() = default;

metrics& metrics::unexported() {
    static metrics nobody_reads_these;
    return nobody_reads_these;
}

void metrics::room_created() {
    f_->rooms_created.Increment();
}

void metrics::room_join(std::string_view result) {
    f_->room_joins.Add({{"result", std::string(result)}}).Increment();
}

void metrics::sockets_open(std::size_t count) {
    f_->sockets_open.Set(static_cast<double>(count));
}

void metrics::members_online(std::size_t count) {
    f_->members_online.Set(static_cast<double>(count));
}

void metrics::call_join(std::string_view result) {
    f_->call_joins.Add({{"result", std::string(result)}}).Increment();
}

void metrics::call_ended(std::chrono::milliseconds lasted) {
    f_->call_duration.Observe(std::chrono::duration<double>(lasted).count());
}

void metrics::first_media(std::string_view path, std::chrono::milliseconds after) {
    f_->first_media.Add({{"path", path == "relay" ? "relay" : "direct"}}, first_media_buckets)
        .Observe(std::chrono::duration<double>(after).count());
}

void metrics::ice_failure(std::string_view reason) {
    bool known = std::find(known_ice_failures.begin(), known_ice_failures.end(), reason) !=
                 known_ice_failures.end();
    f_->ice_failures.Add({{"reason", known ? std::string(reason) : "other"}}).Increment();
}

void metrics::client_error() {
    f_->client_errors.Increment();
}

void metrics::file_upload(std::string_view result, std::int64_t bytes) {
    f_->file_uploads.Add({{"result", std::string(result)}}).Increment();
    if (result == "completed") f_->file_upload_bytes.Increment(static_cast<double>(bytes));
}

void metrics::http_request(std::string_view route, int status, std::chrono::microseconds took) {
    f_->http_requests
        .Add({{"route", std::string(route)}, {"status", std::to_string(status)}}, request_buckets)
        .Observe(std::chrono::duration<double>(took).count());
}

void metrics::ws_message_in() {
    f_->ws_in.Increment();
}
void metrics::ws_message_out() {
    f_->ws_out.Increment();
}

std::string metrics::exposition(std::int64_t calls_active) const {
    f_->calls_active.Set(static_cast<double>(calls_active));
    auto families = f_->registry->Collect();
    for (auto& family : process_families(f_->start_time)) families.push_back(std::move(family));
    return prometheus::TextSerializer().Serialize(families);
}

}  // namespace parlor
