#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::system {
class error_code;
}

namespace parlor::itest {

using namespace std::chrono_literals;

using header_list = std::vector<std::pair<std::string, std::string>>;

// One HTTP response as a client sees it.
struct http_reply {
    int status = 0;
    header_list headers;
    std::string body;
    bool keep_alive = false;

    // The first header of that name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
    // The body parsed as JSON; throws if it is not JSON.
    nlohmann::json json() const;
};

// One TCP connection to 127.0.0.1:port, used synchronously; every operation gives up after
// the timeout. For keep-alive and pipelining tests; request() below is the usual way.
class http_connection {
  public:
    explicit http_connection(unsigned short port, std::chrono::milliseconds timeout = 10s);
    ~http_connection();

    // Writes one request and reads its response.
    http_reply request(std::string_view method, std::string_view target, std::string_view body = {},
                       const header_list& headers = {});
    // Writes one request without waiting for the response.
    void write_request(std::string_view method, std::string_view target, std::string_view body = {},
                       const header_list& headers = {});
    // Writes a request's head only: the request line, Host and User-Agent, then `headers`
    // exactly as given (nothing else is added, not even Content-Length). The body, if any,
    // follows with write_raw(), in as many pieces as the caller likes.
    void write_head(std::string_view method, std::string_view target,
                    const header_list& headers = {});
    // Writes arbitrary bytes.
    void write_raw(std::string_view bytes);
    // Reads one response (of a request to `method`: a HEAD response has no body). An
    // interim response (100 Continue) counts as one.
    http_reply read_reply(std::string_view method = "GET");
    // Reads one response, handing its body to `on_body` piece by piece instead of keeping
    // it (for bodies too large to hold); the reply's `body` stays empty.
    http_reply read_reply_streaming(const std::function<void(std::string_view)>& on_body);
    // True when the server closes the connection (EOF or reset) within `within`; false if
    // it stays open that long. Bytes that arrive meanwhile are kept in `unread()`.
    bool closed_by_peer(std::chrono::milliseconds within);
    std::string unread() const;
    // Our end's port, to find this connection in the kernel's socket tables.
    unsigned short local_port() const;

  private:
    template <class Start>
    boost::system::error_code run(Start start, std::chrono::milliseconds timeout);

    std::chrono::milliseconds timeout_;
    // The Asio and Beast state, kept out of this header so that the tests including it
    // compile without Beast.
    struct state;
    std::unique_ptr<state> state_;
};

// One request on a fresh connection, closed afterwards. Throws on connection failure or
// timeout (a server that hangs up without answering is an exception, not a status).
http_reply request(unsigned short port, std::string_view method, std::string_view target,
                   std::string_view body = {}, const header_list& headers = {},
                   std::chrono::milliseconds timeout = 10s);

// What came back when arbitrary bytes were written on a fresh connection.
struct raw_exchange {
    std::string received;         // everything read until the peer closed or the timeout
    bool closed_by_peer = false;  // EOF or reset seen before the timeout
    bool write_failed = false;    // the peer stopped reading before we finished writing

    // The first HTTP response in `received`, if it holds a complete one.
    std::optional<http_reply> first_reply() const;
};

// Writes `bytes` (while reading, so a server answering early is heard) and then reads until
// the server closes or `timeout` passes. `then_half_close` shuts our sending side after the
// write, like a client that has nothing more to say.
raw_exchange send_raw(unsigned short port, std::string_view bytes,
                      std::chrono::milliseconds timeout = 10s, bool then_half_close = false);

// The HTTP responses at the front of `bytes`, in order, as many as are complete.
std::vector<http_reply> parse_replies(std::string_view bytes, bool head_request = false);

}  // namespace parlor::itest
