#include "tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <iostream>
#include <stdexcept>

#include "common/asio.hpp"

namespace parlor::itest {
namespace {

namespace ssl = boost::asio::ssl;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

ssl::context verifying_context(const std::filesystem::path& ca_file) {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(ca_file.string());
    context.set_verify_mode(ssl::verify_peer);
    return context;
}

// Connects and shakes hands; the certificate must be for 127.0.0.1.
void connect(asio::io_context& io, tls_stream& stream, unsigned short port,
             std::chrono::milliseconds timeout) {
    beast::get_lowest_layer(stream).expires_after(timeout);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::error_code failure;
    beast::get_lowest_layer(stream).async_connect(
        tcp::endpoint(asio::ip::address_v4::loopback(), port), [&](beast::error_code ec) {
            if (ec) {
                failure = ec;
                return;
            }
            stream.async_handshake(ssl::stream_base::client,
                                   [&](beast::error_code handshake) { failure = handshake; });
        });
    io.restart();
    io.run();
    if (failure) throw std::runtime_error("TLS connection failed: " + failure.message());
}

std::string peer_common_name(tls_stream& stream) {
    X509* certificate = SSL_get1_peer_certificate(stream.native_handle());
    if (!certificate) return {};
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name,
                              sizeof name);
    X509_free(certificate);
    return name;
}

}  // namespace

tls_reply tls_request(unsigned short port, const std::filesystem::path& ca_file,
                      std::string_view method, std::string_view target, std::string_view body,
                      const header_list& headers, std::chrono::milliseconds timeout) {
    asio::io_context io;
    auto context = verifying_context(ca_file);
    tls_stream stream(io, context);
    connect(io, stream, port, timeout);
    tls_reply result{peer_common_name(stream), {}};

    http::request<http::string_body> req(
        http::string_to_verb(beast::string_view(method.data(), method.size())),
        beast::string_view(target.data(), target.size()), 11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::string(body);
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code failure;
    beast::get_lowest_layer(stream).expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            failure = ec;
            return;
        }
        http::async_read(stream, buffer, res,
                         [&](beast::error_code read, std::size_t) { failure = read; });
    });
    io.restart();
    io.run();
    if (failure) throw std::runtime_error("HTTPS request failed: " + failure.message());
    result.reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
        result.reply.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
    }
    result.reply.body = std::move(res.body());
    return result;
}

std::optional<std::string> wss_first_reply(unsigned short port,
                                           const std::filesystem::path& ca_file,
                                           const std::string& text,
                                           std::chrono::milliseconds timeout) {
    asio::io_context io;
    auto context = verifying_context(ca_file);
    beast::websocket::stream<tls_stream> ws(io, context);
    connect(io, ws.next_layer(), port, timeout);
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::client));
    beast::flat_buffer buffer;
    std::optional<std::string> reply;
    asio::steady_timer deadline(io, timeout);
    deadline.async_wait([&](beast::error_code ec) {
        if (!ec) beast::get_lowest_layer(ws).close();
    });
    ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws", [&](beast::error_code ec) {
        if (ec) {
            std::cerr << "wss handshake: " << ec.message() << "\n";
            return (void)deadline.cancel();
        }
        ws.text(true);
        ws.async_write(asio::buffer(text), [&](beast::error_code wrote, std::size_t) {
            if (wrote) {
                std::cerr << "wss write: " << wrote.message() << "\n";
                return (void)deadline.cancel();
            }
            ws.async_read(buffer, [&](beast::error_code read, std::size_t) {
                if (!read) reply = beast::buffers_to_string(buffer.data());
                if (read) std::cerr << "wss read: " << read.message() << "\n";
                deadline.cancel();
            });
        });
    });
    io.restart();
    io.run();
    return reply;
}

}  // namespace parlor::itest
