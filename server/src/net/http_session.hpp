#pragma once

#include <atomic>
#include <functional>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "api/router.hpp"
#include "blobs/local_blob_store.hpp"
#include "common/metrics.hpp"
#include "net/client_address.hpp"
#include "net/connection_limits.hpp"
#include "net/static_files.hpp"
#include "net/tls.hpp"
#include "realtime/transport.hpp"

namespace parlor::realtime {
class realtime_service;
}

namespace parlor::net {

using realtime::transport;  // a connection's stream, plain or TLS

// What every connection serves, shared by all of them; outlives them all.
struct http_handlers {
    const api::router& api;
    const static_files& files;
    realtime::realtime_service& realtime;
    std::vector<std::string> allowed_origins;  // browser origins that may open sockets
    std::size_t max_json_body_bytes;
    blobs::local_blob_store* local_blobs;  // serves /blobs/ links; null when files are on S3
    // Whether an upload link's bytes are still wanted (blocking: asked on `blocking`).
    std::function<bool(std::string_view storage_key)> upload_wanted;
    asio::thread_pool& blocking;  // for their disk writes
    trusted_proxies proxies;      // whose X-Forwarded-For names the client
    // A request head (from the connection's start, or from its first byte on a kept-alive
    // connection) must arrive whole within this; between requests the idle timeout applies.
    std::chrono::seconds header_timeout{10};
    // Request durations by route and status.
    parlor::metrics& metrics = parlor::metrics::unexported();
    // The certificate when connections speak TLS (--tls-cert); null: plain HTTP.
    const tls_identity* tls = nullptr;
};

class http_session;

// The open connections, so that shutdown can close the idle ones and let the busy ones
// finish their request first.
class connection_registry {
  public:
    void add(const std::shared_ptr<http_session>& session);
    void remove(const http_session* session);
    // Stop reading new requests: idle connections close now, busy ones after their reply.
    void begin_shutdown();
    bool shutting_down() const { return shutting_down_; }
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<const http_session*, std::weak_ptr<http_session>> sessions_;
    std::atomic<bool> shutting_down_ = false;
};

// One HTTP/1.1 connection: reads requests one at a time, answers /api/ from the router
// and everything else from the static files, logs one JSON line per request.
class http_session : public std::enable_shared_from_this<http_session> {
  public:
    // `peer`: the TCP peer; `slot`: this connection's place under the connection limits,
    // held until the socket closes (by the WebSocket session if it takes the socket over).
    http_session(tcp::socket socket, const http_handlers& handlers, connection_registry& registry,
                 ip_address peer, connection_slot slot);
    ~http_session();

    asio::awaitable<void> run();
    // Closes the connection unless a request is being served (call from any thread).
    void close_if_idle();
    auto stream_executor() { return stream_.get_executor(); }

  private:
    // `route`: the router's pattern for API calls, or the kind of request ("static", "ws",
    // "blob"), for the metrics.
    template <class Response>
    asio::awaitable<bool> send(Response&& res, const api::request& req,
                               const std::string& request_id, std::string_view route,
                               std::chrono::steady_clock::time_point started);
    asio::awaitable<void> reply_and_close(const beast::error_code& read_error);
    asio::awaitable<void> redirect_to_https();
    // Who sent this request: the peer, or the client a trusted proxy names.
    void identify_client(const http::request_header<>& req);
    // One log line and the request's place in the metrics.
    void log_request(const http::request_header<>& req, const std::string& request_id,
                     std::string_view route, unsigned status, std::uint64_t bytes,
                     std::chrono::steady_clock::time_point started) const;
    // Hands the connection to a WebSocket session, or answers why it cannot have one.
    asio::awaitable<bool> upgrade(api::request& req, const std::string& request_id,
                                  std::chrono::steady_clock::time_point started);

    transport stream_;
    beast::flat_buffer buffer_;
    const http_handlers& handlers_;
    connection_registry& registry_;
    connection_slot slot_;
    ip_address peer_;
    std::string client_ip_;   // of the current request, for the log
    std::string client_key_;  // of the current request, for the rate limits
    bool busy_ = false;       // touched only on this connection's strand
};

}  // namespace parlor::net
