#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Who a request comes from: the TCP peer, or the client a trusted reverse proxy names in
// X-Forwarded-For. No network types here (plain bytes), so that the rules are unit-tested
// with the layers below the network.
namespace parlor::net {

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack
// socket reports for an IPv4 peer) is the IPv4 address: one client, one key.
class ip_address {
  public:
    static ip_address v4(const std::array<std::uint8_t, 4>& bytes);
    static ip_address v6(const std::array<std::uint8_t, 16>& bytes);
    // "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; nullopt for anything else (no port, no
    // brackets, no zone).
    static std::optional<ip_address> parse(std::string_view text);

    bool is_v4() const { return v4_; }
    std::string to_string() const;
    // What rate limits and per-client connection counts key on: an IPv4 address whole, an
    // IPv6 address by its /64 ("2001:db8:1:2::/64"), since one subscriber usually gets a
    // whole /64 and can pick any address in it.
    std::string client_key() const;

    bool operator==(const ip_address&) const = default;

  private:
    friend class address_range;
    std::array<std::uint8_t, 16> bytes_{};  // an IPv4 address in the first four
    bool v4_ = false;
};

// A CIDR block, "10.0.0.0/8" or "fd00::/8"; a bare address is a block of one.
class address_range {
  public:
    // nullopt unless it is an address, optionally followed by /prefix (0-32 for IPv4, 0-128
    // for IPv6). Bits past the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8).
    static std::optional<address_range> parse(std::string_view text);

    bool contains(const ip_address& address) const;
    std::string to_string() const;

  private:
    ip_address network_;
    unsigned prefix_ = 0;
};

// The reverse proxies whose X-Forwarded-For is believed (--trusted-proxy).
class trusted_proxies {
  public:
    trusted_proxies() = default;
    explicit trusted_proxies(std::vector<address_range> ranges) : ranges_(std::move(ranges)) {}
    // Each entry a CIDR block (surrounding blanks ignored); throws std::invalid_argument
    // naming the first entry that is not.
    static trusted_proxies parse(const std::vector<std::string>& entries);

    bool empty() const { return ranges_.empty(); }
    bool contains(const ip_address& address) const;
    const std::vector<address_range>& ranges() const { return ranges_; }

    // The client a request from `peer` comes from. `forwarded_for` is the request's
    // X-Forwarded-For (several fields joined with commas; empty when absent). Only a trusted
    // peer's header is read, from the right: each proxy appends the address it heard from,
    // so the rightmost address that is not itself a trusted proxy is the first one nobody
    // we trust could have written. A list that is malformed where it is read (an element
    // that is not an address) counts for nothing: the peer is the client.
    ip_address client_of(const ip_address& peer, std::string_view forwarded_for) const;

  private:
    std::vector<address_range> ranges_;
};

}  // namespace parlor::net
