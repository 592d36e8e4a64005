// Signed links (the local store's /blobs/ URLs). A query from the network is a valid
// link's parameters or a `forbidden` refusal, never anything else; and every link the
// server signs, whatever its parameters' values, verifies to exactly those parameters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "blobs/signed_url.hpp"
#include "common/error.hpp"
#include "fuzz_check.hpp"

using namespace parlor;

namespace {

constexpr millis now = 1'795'000'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    static const blobs::url_signer signer("a key of thirty-two bytes or so..");

    // As a query from the network.
    try {
        signer.verify("GET", "objects/abc", input, now);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::forbidden, "a link refused with another code",
                    input);
    }
    if (auto decoded = blobs::percent_decode(input)) {
        fuzz::check(blobs::percent_decode(blobs::percent_encode(*decoded)) == *decoded,
                    "percent-encoding does not round-trip", input);
    }

    // As parameter values of a link the server signs: "n" and "size" take the input's two
    // halves (the names are the server's own, never from the network).
    blobs::url_signer::params params{{"n", std::string(input.substr(0, size / 2))},
                                     {"size", std::string(input.substr(size / 2))}};
    auto link = signer.sign("PUT", "objects/abc", params, now + 60'000);
    auto query = std::string_view(link).substr(link.find('?') + 1);
    try {
        fuzz::check(signer.verify("PUT", "objects/abc", query, now) == params,
                    "a signed link verifies to other parameters", input);
    } catch (const error&) {
        fuzz::broken("a link the server signed is refused", input);
    }
    try {
        signer.verify("GET", "objects/abc", query, now);
        fuzz::broken("a PUT link verifies for GET", input);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::forbidden, "refused with another code", input);
    }
    return 0;
}
