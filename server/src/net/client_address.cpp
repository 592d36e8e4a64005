#include "net/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace parlor::net {
namespace {

std::string_view trimmed(std::string_view text) {
    auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// One X-Forwarded-For element: an address, "[v6]" or "[v6]:port", or "v4:port" (some
// proxies add the client's port).
std::optional<ip_address> forwarded_element(std::string_view element) {
    element = trimmed(element);
    if (element.starts_with('[')) {
        auto close = element.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto rest = element.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
        return ip_address::parse(element.substr(1, close - 1));
    }
    if (std::count(element.begin(), element.end(), ':') == 1) {
        auto address = ip_address::parse(element.substr(0, element.find(':')));
        if (!address || !address->is_v4()) return std::nullopt;
        return address;
    }
    return ip_address::parse(element);
}

}  // namespace

ip_address ip_address::v4(const std::array<std::uint8_t, 4>& bytes) {
    ip_address a;
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    a.v4_ = true;
    return a;
}

ip_address ip_address::v6(const std::array<std::uint8_t, 16>& bytes) {
    static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(mapped_prefix), std::end(mapped_prefix), bytes.begin())) {
        return v4({bytes[12], bytes[13], bytes[14], bytes[15]});
    }
    ip_address a;
    a.bytes_ = bytes;
    return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    std::string terminated(text);
    if (terminated.find('\0') != std::string::npos) return std::nullopt;
    std::array<std::uint8_t, 4> v4_bytes{};
    if (::inet_pton(AF_INET, terminated.c_str(), v4_bytes.data()) == 1) return v4(v4_bytes);
    std::array<std::uint8_t, 16> v6_bytes{};
    if (::inet_pton(AF_INET6, terminated.c_str(), v6_bytes.data()) == 1) return v6(v6_bytes);
    return std::nullopt;
}

std::string ip_address::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
    return text;
}

std::string ip_address::client_key() const {
    if (v4_) return to_string();
    ip_address network = *this;
    std::fill(network.bytes_.begin() + 8, network.bytes_.end(), 0);
    return network.to_string() + "/64";
}

std::optional<address_range> address_range::parse(std::string_view text) {
    auto slash = text.find('/');
    auto address = ip_address::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    unsigned width = address->is_v4() ? 32 : 128;
    // "::ffff:10.0.0.0/104" names IPv4 addresses the IPv6 way: its prefix counts 96 more bits.
    bool mapped = address->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
            return std::nullopt;
        }
        if (mapped) {
            if (prefix < 96) return std::nullopt;
            prefix -= 96;
        }
        if (prefix > width) return std::nullopt;
    }
    address_range range;
    range.network_ = *address;
    range.prefix_ = prefix;
    for (unsigned bit = prefix; bit < width; ++bit) {
        range.network_.bytes_[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    return range;
}

bool address_range::contains(const ip_address& address) const {
    if (address.is_v4() != network_.is_v4()) return false;
    unsigned whole = prefix_ / 8, rest = prefix_ % 8;
    if (!std::equal(network_.bytes_.begin(), network_.bytes_.begin() + whole,
                    address.bytes_.begin())) {
        return false;
    }
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
    return (address.bytes_[whole] & mask) == network_.bytes_[whole];
}

std::string address_range::to_string() const {
    return network_.to_string() + "/" + std::to_string(prefix_);
}

trusted_proxies trusted_proxies::parse(const std::vector<std::string>& entries) {
    std::vector<address_range> ranges;
    for (const auto& entry : entries) {
        auto range = address_range::parse(trimmed(entry));
        if (!range) {
            throw std::invalid_argument("'" + entry +
                                        "' is not an address or CIDR block (such as 10.0.0.0/8 "
                                        "or fd00::/8)");
        }
        ranges.push_back(*range);
    }
    return trusted_proxies(std::move(ranges));
}

bool trusted_proxies::contains(const ip_address& address) const {
    return std::any_of(ranges_.begin(), ranges_.end(),
                       [&](const address_range& r) { return r.contains(address); });
}

ip_address trusted_proxies::client_of(const ip_address& peer,
                                      std::string_view forwarded_for) const {
    if (!contains(peer) || trimmed(forwarded_for).empty()) return peer;
    std::string_view rest = forwarded_for;
    for (;;) {
        auto comma = rest.rfind(',');
        auto address =
            forwarded_element(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        if (!address) return peer;
        if (!contains(*address)) return *address;
        // Every hop so far is one of our proxies; past the first of them nobody can see.
        if (comma == std::string_view::npos) return *address;
        rest = rest.substr(0, comma);
    }
}

}  // namespace parlor::net
