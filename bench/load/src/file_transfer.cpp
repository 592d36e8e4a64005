#include "file_transfer.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <limits>
#include <memory>

namespace load {

// The path and query of a link the server handed out. An absolute link must point at the
// server under test (the bytes go to the process whose memory and CPU are measured).
std::string link_target(const std::string& url, const server_url& server) {
    if (url.starts_with("/")) return url;
    const std::string scheme = "http://";
    if (!url.starts_with(scheme))
        throw protocol_error("a link that is not http: " + url.substr(0, 120));
    auto slash = url.find('/', scheme.size());
    auto authority = url.substr(scheme.size(), slash - scheme.size());
    if (authority != server.host_header) {
        throw protocol_error("a link to another host: " + url.substr(0, 120));
    }
    return slash == std::string::npos ? "/" : url.substr(slash);
}

json parse_object(const http_reply& reply, int expected_status, const std::string& what) {
    if (reply.status != expected_status) {
        throw protocol_error(what + ": HTTP " + std::to_string(reply.status) + " " +
                             reply.body.substr(0, 300));
    }
    auto body = json::parse(reply.body, nullptr, false);
    if (!body.is_object()) throw protocol_error(what + ": the reply is not a JSON object");
    return body;
}

const std::string& string_in(const json& j, const char* key, const std::string& what) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
        throw protocol_error(what + ": the reply lacks " + key);
    }
    return j[key].get_ref<const std::string&>();
}

// PUTs the bytes of `file` to `target` on a connection of its own, 1 MiB at a time, and
// returns the answer.
asio::awaitable<http_reply> put_bytes(net_context& net, const std::string& target,
                                      const json& headers, const file_content& content,
                                      std::uint32_t file, std::uint64_t size) {
    beast::tcp_stream stream(net.io);
    stream.expires_after(stall_timeout);
    co_await connect_socket(stream.socket(), net);
    http::request<http::buffer_body> req{http::verb::put, target, 11};
    req.set(http::field::host, net.server.host_header);
    req.set(http::field::user_agent, "parlor-load");
    req.set(http::field::content_type, "application/octet-stream");
    for (const auto& [name, value] : headers.items()) {
        if (!value.is_string()) throw protocol_error("upload.headers holds a non-string");
        req.set(name, value.get<std::string>());
    }
    req.content_length(size);
    req.keep_alive(false);
    req.body().data = nullptr;
    req.body().more = true;
    http::request_serializer<http::buffer_body> serializer(req);
    beast::error_code ec;
    co_await http::async_write_header(stream, serializer,
                                      asio::redirect_error(asio::use_awaitable, ec));
    std::vector<char> chunk(block_bytes);
    std::uint64_t sent = 0;
    while (!ec && !serializer.is_done()) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - sent));
        content.fill(file, sent, chunk.data(), n);
        req.body().data = n > 0 ? chunk.data() : nullptr;
        req.body().size = n;
        req.body().more = sent + n < size;
        stream.expires_after(stall_timeout);
        co_await http::async_write(stream, serializer,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::need_buffer) ec = {};
        if (!ec) sent += n;
    }
    // The answer (a server that refuses the upload may answer before it has read it all).
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code read_ec;
    stream.expires_after(ec ? std::chrono::seconds(5) : stall_timeout);
    co_await http::async_read(stream, buffer, res,
                              asio::redirect_error(asio::use_awaitable, read_ec));
    if (read_ec) {
        throw std::runtime_error("PUT failed after " + std::to_string(sent) + " of " +
                                 std::to_string(size) + " bytes: " + (ec ? ec : read_ec).message());
    }
    co_return http_reply{static_cast<int>(res.result_int()), std::move(res.body())};
}

// GETs `target` on a connection of its own and checks the body against `file`'s bytes as
// it arrives; throws at the first difference or a wrong length. Beast parses the response
// head; the body (its Content-Length is required) is then read from the socket straight
// into a 1 MiB buffer. Through a buffer_body parser every byte would be copied once more,
// out of Beast's read buffer in pieces of at most 64 KiB, which cost the load generator
// 2.5 times the CPU against nginx and made it, not the server, the limit.
asio::awaitable<void> get_and_check(net_context& net, const std::string& target,
                                    const file_content& content, std::uint32_t file,
                                    std::uint64_t size) {
    beast::tcp_stream stream(net.io);
    stream.expires_after(stall_timeout);
    co_await connect_socket(stream.socket(), net);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, net.server.host_header);
    req.set(http::field::user_agent, "parlor-load");
    req.keep_alive(false);
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    // Not boost::none: Beast 1.74 compares the length against it as if it were zero.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    auto status = parser.get().result_int();
    if (status != 200) {
        beast::error_code ignored;
        parser.body_limit(64 * 1024);
        stream.expires_after(std::chrono::seconds(5));
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ignored));
        throw protocol_error("GET answered HTTP " + std::to_string(status) + " " +
                             parser.get().body().substr(0, 300));
    }
    // content_length() is empty for a chunked body too.
    auto length = parser.content_length();
    if (!length) throw protocol_error("the download has no Content-Length");
    if (*length != size) {
        throw protocol_error("the download's Content-Length is " + std::to_string(*length) +
                             ", not " + std::to_string(size));
    }
    std::uint64_t received = 0;
    auto check = [&](const char* data, std::size_t n) {
        if (auto at = content.mismatch(file, received, data, n)) {
            throw protocol_error("downloaded byte " + std::to_string(*at) +
                                 " differs from the uploaded one");
        }
        received += n;
    };
    // The first bytes of the body may have come in with the head.
    auto early = buffer.data();
    if (early.size() > size) throw protocol_error("the download is longer than its Content-Length");
    check(static_cast<const char*>(early.data()), early.size());
    std::vector<char> chunk(block_bytes);
    while (received < size) {
        beast::error_code ec;
        stream.expires_after(stall_timeout);
        auto want =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - received));
        std::size_t n = co_await stream.async_read_some(
            asio::buffer(chunk.data(), want), asio::redirect_error(asio::use_awaitable, ec));
        check(chunk.data(), n);
        if (ec) {
            throw std::runtime_error("the download stopped after " + std::to_string(received) +
                                     " of " + std::to_string(size) + " bytes: " + ec.message());
        }
    }
}

}  // namespace load
