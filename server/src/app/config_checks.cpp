#include "app/config_checks.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

#include "net/client_address.hpp"

namespace parlor::app {

// A URL list entry (from a flag, repeated or comma-separated): trimmed, and refused unless
// it is one of the schemes followed by something, so that a typo stops the start instead of
// every call.
CLI::Validator url_with_scheme(std::vector<std::string> schemes) {
    std::string expected;
    for (const auto& scheme : schemes) expected += (expected.empty() ? "" : " or ") + scheme;
    return CLI::Validator(
        [schemes, expected](std::string& value) -> std::string {
            auto first = value.find_first_not_of(" \t");
            auto last = value.find_last_not_of(" \t");
            value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
            for (const auto& scheme : schemes) {
                if (value.size() > scheme.size() && value.starts_with(scheme)) return {};
            }
            return "'" + value + "' is not a " + expected + " URL";
        },
        "URL");
}

// A listening address, HOST:PORT with an IP address for HOST ([...] around IPv6).
CLI::Validator host_and_port() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            auto colon = value.rfind(':');
            std::string refusal = "'" + value + "' is not HOST:PORT (e.g. 127.0.0.1:9464)";
            if (colon == std::string::npos || colon + 1 == value.size()) return refusal;
            std::string host = value.substr(0, colon);
            if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
                host = host.substr(1, host.size() - 2);
            }
            if (!net::ip_address::parse(host)) return refusal;
            unsigned port = 0;
            auto digits = std::string_view(value).substr(colon + 1);
            auto [end, failure] =
                std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (failure != std::errc() || end != digits.data() + digits.size() || port > 65535)
                return refusal;
            return {};
        },
        "HOST:PORT");
}

// A --blocked-file-types entry: trimmed and lowercased; an extension (".exe"), a MIME type
// ("application/x-msdownload") or a family ("video/*").
CLI::Validator file_type() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            auto first = value.find_first_not_of(" \t");
            auto last = value.find_last_not_of(" \t");
            value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
            for (auto& c : value)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto plain = [](std::string_view part) {
                return !part.empty() && part.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyz0123456789"
                                            "!#$&^_.+-") == std::string_view::npos;
            };
            std::string_view v = value;
            if (v.size() > 1 && v.front() == '.' && plain(v.substr(1)) &&
                v.find('.', 1) == std::string_view::npos) {
                return {};
            }
            auto slash = v.find('/');
            if (slash != std::string_view::npos && plain(v.substr(0, slash)) &&
                (v.substr(slash + 1) == "*" || plain(v.substr(slash + 1)))) {
                return {};
            }
            return "'" + value +
                   "' is not an extension (.exe), a MIME type (text/html) or a "
                   "family (video/*)";
        },
        "TYPE");
}

// A --trusted-proxy entry: trimmed, and refused unless it is an address or a CIDR block.
CLI::Validator cidr_block() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            try {
                auto parsed = net::trusted_proxies::parse({value});
                value = parsed.ranges().front().to_string();
                return {};
            } catch (const std::invalid_argument& e) {
                return e.what();
            }
        },
        "CIDR");
}

}  // namespace parlor::app
