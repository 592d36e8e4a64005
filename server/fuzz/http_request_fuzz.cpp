// The HTTP request path as bytes from the network meet it: Beast's request parser with the
// limits the session sets, then the edge's own rules on what it parsed: the transfer coding
// (only chunked alone, and then Beast must frame the body as chunked, or a body could be
// read as the next request), the Range of a download, and X-Forwarded-For from a trusted
// proxy. The body is read on with the API's size limit.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "common/asio.hpp"
#include "net/byte_range.hpp"
#include "net/client_address.hpp"
#include "net/transfer_coding.hpp"

using namespace parlor;

namespace {

// Feeds `input` to the parser until it needs more, finishes what it wanted, or fails.
template <class Parser>
std::size_t feed(Parser& parser, std::string_view input, beast::error_code& ec, bool header_only) {
    std::size_t used = 0;
    while (used < input.size() && !ec &&
           !(header_only ? parser.is_header_done() : parser.is_done())) {
        auto n = parser.put(asio::buffer(input.data() + used, input.size() - used), ec);
        used += n;
        if (ec == http::error::need_more) {
            ec = {};
            if (n == 0) break;
        }
    }
    return used;
}

std::string joined(const http::request_header<>& req, std::string_view name) {
    std::string all;
    for (auto [it, end] = req.equal_range(beast::string_view(name.data(), name.size())); it != end;
         ++it) {
        if (!all.empty()) all += ',';
        all.append(it->value().data(), it->value().size());
    }
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    http::request_parser<http::empty_body> header_parser;
    header_parser.header_limit(16 * 1024);
    header_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::error_code ec;
    auto used = feed(header_parser, input, ec, true);
    if (ec || !header_parser.is_header_done()) return 0;  // answered 400 and closed
    const auto& req = header_parser.get();

    bool has_coding = req.find(http::field::transfer_encoding) != req.end();
    auto codings = joined(req, "Transfer-Encoding");
    bool supported = net::supported_transfer_coding(
        has_coding ? std::optional<std::string_view>(codings) : std::nullopt, req.version());
    if (!supported) return 0;  // answered 400 and closed
    if (has_coding) {
        fuzz::check(header_parser.chunked(), "chunked alone, but Beast does not frame it so",
                    input);
    }

    // A download's Range against objects of a few sizes.
    auto range = req[http::field::range];
    for (std::uint64_t object_size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000},
                                      std::numeric_limits<std::uint64_t>::max()}) {
        auto wanted = net::parse_range(std::string_view(range.data(), range.size()), object_size);
        if (wanted.range) {
            fuzz::check(wanted.satisfiable, "a range both given and unsatisfiable", input);
            fuzz::check(
                wanted.range->first <= wanted.range->last && wanted.range->last < object_size,
                "a range outside the object", input);
        }
    }

    // The client behind a trusted proxy.
    static const auto proxies = net::trusted_proxies::parse({"127.0.0.0/8", "::1"});
    auto peer = *net::ip_address::parse("127.0.0.1");
    auto client = proxies.client_of(peer, joined(req, "X-Forwarded-For"));
    auto again = net::ip_address::parse(client.to_string());
    fuzz::check(again && *again == client, "a client address that does not read back", input);
    fuzz::check(!client.client_key().empty(), "an empty client key", input);

    // The API's body, with its limit.
    constexpr std::uint64_t body_limit = 64 * 1024;
    if (header_parser.content_length() > body_limit) return 0;  // answered 413 (as the session)
    http::request_parser<http::string_body> body_parser(std::move(header_parser));
    body_parser.body_limit(body_limit);
    feed(body_parser, input.substr(used), ec, false);
    if (!ec && body_parser.is_done()) {
        fuzz::check(body_parser.get().body().size() <= body_limit, "a body past its limit", input);
    }
    return 0;
}
