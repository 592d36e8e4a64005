#include "net/blob_transfer.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <charconv>
#include <vector>

#include "api/response.hpp"
#include "blobs/disposition.hpp"
#include "common/blocking.hpp"
#include "common/error.hpp"
#include "net/byte_range.hpp"
#include "net/security_headers.hpp"

namespace parlor::net {
namespace {

constexpr auto stall_timeout = std::chrono::seconds(30);  // no progress for this long: give up
// Upload bytes are hashed and written 256 KiB at a time: few system calls, and a chunk
// still in the CPU's cache when it is hashed and copied to the page cache (1 MiB chunks
// made 8 uploads at once 40% slower).
constexpr std::size_t upload_chunk = 256 << 10;
constexpr std::size_t sendfile_chunk = 8 << 20;

struct target {
    std::string_view key;
    std::string_view query;
};

target split_target(beast::string_view raw) {
    std::string_view t(raw.data(), raw.size());
    auto question = t.find('?');
    auto path = t.substr(0, question);
    return {path.substr(std::string_view("/blobs/").size()),
            question == std::string_view::npos ? std::string_view{} : t.substr(question + 1)};
}

asio::awaitable<transfer_result> answer_error(transport& stream, unsigned version,
                                              http::verb method, const error& failure) {
    // The body (if any) was not read, so the connection cannot carry another request.
    auto res = api::error_response(version, false, failure);
    add_security_headers(res, content_kind::api);
    beast::error_code ignored;
    stream.expires_after(std::chrono::seconds(5));
    if (method == http::verb::head) {  // the headers a GET would get, without the body
        http::response_serializer<http::string_body> head_only(res);
        co_await http::async_write_header(stream, head_only,
                                          asio::redirect_error(asio::use_awaitable, ignored));
    } else {
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return transfer_result{res.result_int(), 0, false};
}

// ---- PUT ----

asio::awaitable<transfer_result> receive(transport& stream, beast::flat_buffer& buffer,
                                         http::request_parser<http::empty_body>& header,
                                         blobs::local_blob_store& store,
                                         const std::function<bool(std::string_view)>& upload_wanted,
                                         asio::thread_pool& disk) {
    const auto& req = header.get();
    auto [key, query] = split_target(req.target());
    auto size = store.authorize_upload(key, query);
    if (!co_await run_blocking(disk, [&] { return upload_wanted(key); })) {
        throw error(error_code::forbidden, "This upload link is no longer valid");
    }
    auto declared = header.content_length();
    if (!declared) {
        throw error(error_code::bad_request, "An upload needs a Content-Length header");
    }
    if (*declared != size) {
        throw error(error_code::bad_request,
                    "This link takes exactly " + std::to_string(size) + " bytes");
    }
    auto upload = store.begin_upload(key, size);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, req.version()};
        co_await http::async_write(stream, go_on, asio::use_awaitable);
    }

    http::request_parser<http::buffer_body> parser(std::move(header));
    parser.body_limit(size);
    // Large reads into a large chunk, one write(2) per full chunk: the session's buffer
    // is only as big as the request head needed.
    buffer.reserve(64 * 1024);
    std::vector<char> chunk(upload_chunk);
    std::size_t filled = 0;
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data() + filled;
        parser.get().body().size = chunk.size() - filled;
        stream.expires_after(stall_timeout);
        beast::error_code ec;
        co_await http::async_read_some(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
        if (ec && ec != http::error::need_buffer) {
            // The client went away or stalled: nothing is kept, nobody to answer.
            spdlog::info("upload of {} stopped after {} bytes: {}", key, upload->written() + filled,
                         ec.message());
            co_return transfer_result{499, upload->written() + filled, false};
        }
        filled = chunk.size() - parser.get().body().size;
        if (filled == chunk.size() || parser.is_done()) {
            // On the blocking pool: a write(2) into a page cache full of dirty pages sleeps
            // until writeback catches up, and the network thread must not sleep with it.
            co_await run_blocking(disk, [&] { upload->write(chunk.data(), filled); });
            filled = 0;
        }
    }
    co_await run_blocking(disk, [&] { upload->commit(); });  // fdatasync: the same

    http::response<http::empty_body> done{http::status::no_content, parser.get().version()};
    done.keep_alive(parser.get().keep_alive());
    add_security_headers(done, content_kind::api);
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream, done, asio::use_awaitable);
    co_return transfer_result{204, size, done.keep_alive()};
}

// ---- GET and HEAD ----

// Copies [offset, offset + length) of `file` through TLS: read a chunk, write it.
asio::awaitable<std::uint64_t> send_file_encrypted(transport& stream, int file,
                                                   std::uint64_t offset, std::uint64_t length) {
    std::vector<char> chunk(upload_chunk);
    std::uint64_t sent = 0;
    while (sent < length) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length - sent, chunk.size()));
        auto got = ::pread(file, chunk.data(), want, static_cast<off_t>(offset + sent));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // the file shrank under us, or cannot be read
        beast::error_code ec;
        stream.expires_after(stall_timeout);
        co_await asio::async_write(stream,
                                   asio::buffer(chunk.data(), static_cast<std::size_t>(got)),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // the client went away or stopped reading
        sent += static_cast<std::uint64_t>(got);
    }
    co_return sent;
}

// Copies [offset, offset + length) of `file` to the socket in the kernel (sendfile), or
// through TLS when the connection has it.
asio::awaitable<std::uint64_t> send_file(transport& stream, int file, std::uint64_t offset,
                                         std::uint64_t length) {
    if (stream.secure()) co_return co_await send_file_encrypted(stream, file, offset, length);
    auto& socket = stream.socket();
    socket.native_non_blocking(true);
    asio::steady_timer stall(socket.get_executor());
    off_t position = static_cast<off_t>(offset);
    std::uint64_t sent = 0;
    while (sent < length) {
        auto n = ::sendfile(
            socket.native_handle(), file, &position,
            static_cast<std::size_t>(std::min<std::uint64_t>(length - sent, sendfile_chunk)));
        if (n > 0) {
            sent += static_cast<std::uint64_t>(n);
            continue;
        }
        if (n == 0) break;  // the file shrank under us: nothing more to send
        if (errno == EINTR) continue;
        if (errno != EAGAIN) break;  // the client went away
        // Wait until the socket drains, but not forever for a reader that stopped.
        stall.expires_after(stall_timeout);
        stall.async_wait([&socket](const beast::error_code& ec) {
            if (!ec) socket.cancel();
        });
        beast::error_code ec;
        co_await socket.async_wait(tcp::socket::wait_write,
                                   asio::redirect_error(asio::use_awaitable, ec));
        stall.cancel();
        if (ec) break;
    }
    co_return sent;
}

asio::awaitable<transfer_result> send(transport& stream, const http::request<http::empty_body>& req,
                                      blobs::local_blob_store& store) {
    auto [key, query] = split_target(req.target());
    auto naming = store.authorize_download(key, query);
    auto object = store.open(key);
    if (!object) throw error(error_code::file_not_found, "This file is no longer stored");

    auto range_header = req[http::field::range];
    auto wanted =
        parse_range(std::string_view(range_header.data(), range_header.size()), object->size);
    std::uint64_t first = 0, length = object->size;
    http::response<http::empty_body> res{http::status::ok, req.version()};
    if (!wanted.satisfiable) {
        res.result(http::status::range_not_satisfiable);
        res.set(http::field::content_range, "bytes */" + std::to_string(object->size));
        length = 0;
    } else if (wanted.range) {
        res.result(http::status::partial_content);
        first = wanted.range->first;
        length = wanted.range->last - wanted.range->first + 1;
        res.set(http::field::content_range, "bytes " + std::to_string(first) + "-" +
                                                std::to_string(wanted.range->last) + "/" +
                                                std::to_string(object->size));
    }
    res.set(http::field::content_type,
            naming.mime_type.empty() ? "application/octet-stream" : naming.mime_type);
    res.set(http::field::content_disposition, blobs::attachment_disposition(naming.filename));
    res.set(http::field::accept_ranges, "bytes");
    res.set(http::field::etag, "\"" + std::string(key) + "\"");  // objects never change
    res.set(http::field::cache_control, "private, max-age=300");
    add_security_headers(res, content_kind::download);
    res.content_length(length);
    res.keep_alive(req.keep_alive());

    http::response_serializer<http::empty_body> serializer(res);
    stream.expires_after(stall_timeout);
    co_await http::async_write_header(stream, serializer, asio::use_awaitable);
    stream.expires_never();  // send_file keeps its own stall timeout
    std::uint64_t sent = 0;
    if (req.method() == http::verb::get && length > 0) {
        sent = co_await send_file(stream, object->fd.get(), first, length);
    }
    bool complete = req.method() == http::verb::head || sent == length;
    co_return transfer_result{res.result_int(), sent, res.keep_alive() && complete};
}

}  // namespace

asio::awaitable<transfer_result> serve_blob(
    transport& stream, beast::flat_buffer& buffer, http::request_parser<http::empty_body>& header,
    blobs::local_blob_store& store,
    const std::function<bool(std::string_view storage_key)>& upload_wanted,
    asio::thread_pool& disk) {
    auto version = header.get().version();
    auto method = header.get().method();
    std::optional<error> failure;
    try {
        if (method == http::verb::put)
            co_return co_await receive(stream, buffer, header, store, upload_wanted, disk);
        if (method == http::verb::get || method == http::verb::head) {
            // Its body would be left unread, to be taken for the next request.
            if (header.chunked() || header.content_length().value_or(0) > 0) {
                throw error(error_code::bad_request, "A download takes no request body");
            }
            co_return co_await send(stream, header.get(), store);
        }
        failure.emplace(error_code::method_not_allowed, "Links take GET, HEAD or PUT");
    } catch (const error& e) {
        failure = e;
    } catch (const boost::system::system_error&) {
        co_return transfer_result{499, 0, false};  // the connection failed mid-answer
    } catch (const std::exception& e) {
        spdlog::error("blob transfer failed: {}", e.what());
        failure.emplace(error_code::internal, "Something went wrong on our side");
    }
    co_return co_await answer_error(stream, version, method, *failure);
}

}  // namespace parlor::net
