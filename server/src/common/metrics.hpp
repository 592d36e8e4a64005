#pragma once

// The figures Parlor exports to Prometheus on its metrics listener (--metrics-address).
// One object per process, handed to the layers that count; every method is thread-safe
// and cheap (atomic adds). Label values come from fixed sets (results are the protocol's
// error codes, routes the router's patterns), so that no visitor can grow the series.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parlor {

class metrics {
  public:
    metrics();
    ~metrics();
    // One that nobody scrapes: the default of the services' metrics parameters, for code
    // that runs them without a server (tests).
    static metrics& unexported();
    metrics(const metrics&) = delete;
    metrics& operator=(const metrics&) = delete;

    // Rooms. `result` of a join: "joined", "rejoined", or the protocol's error code.
    void room_created();
    void room_join(std::string_view result);
    // How many sockets this instance holds, and how many members have at least one of them.
    void sockets_open(std::size_t count);
    void members_online(std::size_t count);

    // Calls. `result` of a join: "started" (call:start), "joined", or the error code.
    void call_join(std::string_view result);
    void call_ended(std::chrono::milliseconds lasted);
    // From the browsers' call:report; `path` is "direct" or "relay". An ICE failure's
    // reason is one the client sends ("failed", "disconnected-timeout", "ice-restart"),
    // anything else counts as "other".
    void first_media(std::string_view path, std::chrono::milliseconds after);
    void ice_failure(std::string_view reason);

    // Files. `result`: "completed", or the error code that ended the upload ("expired"
    // for a link that ran out unused).
    void file_upload(std::string_view result, std::int64_t bytes);

    // One report of the web client's own error.
    void client_error();

    // Requests by the router's route ("/api/rooms/:code/join"; "static", "blob", "ws",
    // "unmatched" for the rest) and status code.
    void http_request(std::string_view route, int status, std::chrono::microseconds took);
    // WebSocket frames: "in" from clients, "out" to them.
    void ws_message_in();
    void ws_message_out();

    // The text exposition format (version 0.0.4) of every figure, with the standard process_*
    // figures of this process. `calls_active` is read by the caller (from the database:
    // every instance reports the deployment's number).
    std::string exposition(std::int64_t calls_active) const;

  private:
    struct families;
    std::unique_ptr<families> f_;
};

}  // namespace parlor
