#pragma once

#include <boost/asio/ssl.hpp>

#include <memory>

#include "common/asio.hpp"

namespace parlor::realtime {

namespace ssl = boost::asio::ssl;

// A connection's byte stream: plain TCP, or TLS over it (--tls-cert). One type, so that
// the HTTP session, the file transfers and the WebSocket under them are written once; the
// choice is made per connection, at accept (net/http_session.cpp). It lives here, in the
// lowest layer that holds a connection: the WebSocket (gathering_stream, ws_session) runs
// over it, and net/, above, makes it and hands it up at the upgrade. Reads and writes go through
// TLS when it is on; deadlines (expires_after) and the TCP socket itself are the TCP stream's
// either way.
class transport {
  public:
    using executor_type = beast::tcp_stream::executor_type;

    // Plain TCP: a tcp_stream is a transport as it is.
    transport(beast::tcp_stream plain) : plain_(std::move(plain)) {}  // NOLINT(implicit)
    // TLS with this context; the stream keeps the context alive (a reload may replace it).
    transport(beast::tcp_stream plain, std::shared_ptr<ssl::context> context)
        : plain_(plain.get_executor()),
          context_(std::move(context)),
          tls_(std::make_unique<ssl::stream<beast::tcp_stream>>(std::move(plain), *context_)) {}

    transport(transport&&) = default;
    transport& operator=(transport&&) = default;

    bool secure() const { return tls_ != nullptr; }
    executor_type get_executor() { return tcp().get_executor(); }

    beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : plain_; }
    const beast::tcp_stream& tcp() const { return tls_ ? tls_->next_layer() : plain_; }
    tcp::socket& socket() { return tcp().socket(); }
    void expires_after(std::chrono::steady_clock::duration timeout) {
        tcp().expires_after(timeout);
    }
    void expires_never() { tcp().expires_never(); }

    // The server's side of the TLS handshake, given the bytes of it already read from the
    // TCP stream; completes with how many of them it used. TLS only.
    template <class ConstBuffers, class Token>
    auto async_handshake(const ConstBuffers& already_read, Token&& token) {
        return tls_->async_handshake(ssl::stream_base::server, already_read,
                                     std::forward<Token>(token));
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                if (tls_) {
                    tls_->async_read_some(b, std::move(handler));
                } else {
                    plain_.async_read_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                if (tls_) {
                    tls_->async_write_some(b, std::move(handler));
                } else {
                    plain_.async_write_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

    // Beast closes the lowest layer this way when a WebSocket times out.
    friend void beast_close_socket(transport& stream) {
        beast::error_code ignored;
        stream.socket().close(ignored);
    }

  private:
    beast::tcp_stream plain_;  // never opened with TLS
    std::shared_ptr<ssl::context> context_;
    // On the heap: pending operations hold its address, and the transport moves (from the
    // HTTP session to the WebSocket).
    std::unique_ptr<ssl::stream<beast::tcp_stream>> tls_;
};

}  // namespace parlor::realtime
