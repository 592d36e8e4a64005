#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

// How many connections the server holds, in all and per client, so that no one can take
// every file descriptor. No network types here: the listener asks, a slot answers.
namespace parlor::net {

namespace detail {
struct connection_counts;
}

// One admitted connection. It counts against the limits until it is destroyed, whoever
// holds it by then: the HTTP session, or the WebSocket that took its socket over. Outlives
// the limiter safely.
class connection_slot {
  public:
    connection_slot() = default;
    connection_slot(std::shared_ptr<detail::connection_counts> counts, std::string client_key);
    connection_slot(connection_slot&& other) noexcept = default;
    connection_slot& operator=(connection_slot&& other) noexcept;
    connection_slot(const connection_slot&) = delete;
    connection_slot& operator=(const connection_slot&) = delete;
    ~connection_slot();

    explicit operator bool() const { return counts_ != nullptr; }

  private:
    void release() noexcept;

    std::shared_ptr<detail::connection_counts> counts_;
    std::string client_key_;  // empty: counted only in the total (a trusted proxy)
};

enum class connection_refusal { none, server_full, client_full };

struct connection_admission {
    connection_slot slot;  // empty when refused
    connection_refusal refused = connection_refusal::none;
};

// Thread-safe: connections open on the accept loop and close on any thread.
class connection_limiter {
  public:
    // `max_per_client` 0: no limit per client.
    connection_limiter(std::size_t max_connections, std::size_t max_per_client);

    // `client_key` as ip_address::client_key(); empty for a trusted proxy, which carries
    // many clients and counts only against the total.
    connection_admission try_open(std::string_view client_key);

    std::size_t open_connections() const;
    std::size_t max_connections() const { return max_connections_; }
    std::size_t max_per_client() const { return max_per_client_; }

  private:
    std::size_t max_connections_;
    std::size_t max_per_client_;
    std::shared_ptr<detail::connection_counts> counts_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit, as servers commonly do (the soft limit
// is often 1024 for compatibility with select(), which we never use); returns the soft
// limit in effect afterwards.
std::uint64_t raise_descriptor_limit();

// The connections that fit in `descriptors`: each may hold two (its socket, and a file it
// sends or receives), after a reserve for the database (a few files per connection of
// `db_threads`), logs, the listener, the event loop and the blocking pool's own files.
std::size_t connections_for_descriptors(std::uint64_t descriptors, int db_threads);

}  // namespace parlor::net
