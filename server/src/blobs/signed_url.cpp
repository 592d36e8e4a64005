#include "blobs/signed_url.hpp"

#include <charconv>
#include <optional>

#include "common/crypto.hpp"
#include "common/error.hpp"

namespace parlor::blobs {
namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

[[noreturn]] void invalid_link() {
    throw error(error_code::forbidden, "This link is not valid");
}

// name=value pairs; a repeated name or a bad escape makes the whole link invalid.
url_signer::params parse_query(std::string_view query) {
    url_signer::params parsed;
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) invalid_link();
        auto value = percent_decode(pair.substr(eq + 1));
        if (!value || !parsed.emplace(std::string(pair.substr(0, eq)), std::move(*value)).second) {
            invalid_link();
        }
    }
    return parsed;
}

}  // namespace

std::string percent_encode(std::string_view value) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
            out.push_back(value[i]);
            continue;
        }
        if (i + 2 >= value.size()) return std::nullopt;
        int high = hex_value(value[i + 1]), low = hex_value(value[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

url_signer::url_signer(std::string key) : key_(std::move(key)) {}

std::string url_signer::sign(std::string_view method, std::string_view object_key,
                             params signed_params, millis expires_at) const {
    // Whole seconds, rounded up, so a link never expires before the time it was given.
    signed_params["expires"] = std::to_string((expires_at + 999) / 1000);
    std::string path = "/blobs/" + std::string(object_key) + "?";
    for (const auto& [name, value] : signed_params)
        path += name + "=" + percent_encode(value) + "&";
    return path + "sig=" + signature(method, object_key, signed_params);
}

url_signer::params url_signer::verify(std::string_view method, std::string_view object_key,
                                      std::string_view query, millis now) const {
    auto all = parse_query(query);
    auto sig = all.extract("sig");
    auto expires = all.find("expires");
    if (sig.empty() || expires == all.end()) invalid_link();
    if (!constant_time_equal(sig.mapped(), signature(method, object_key, all))) invalid_link();
    long long expires_s = 0;
    const auto& text = expires->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expires_s);
    if (ec != std::errc{} || end != text.data() + text.size()) invalid_link();
    if (now >= expires_s * 1000) throw error(error_code::forbidden, "This link has expired");
    all.erase(expires);
    return all;
}

std::string url_signer::signature(std::string_view method, std::string_view object_key,
                                  const params& all) const {
    std::string to_sign = std::string(method) + "\n" + std::string(object_key) + "\n";
    // Encoded values: no value can pass for a line break between two parameters.
    for (const auto& [name, value] : all) to_sign += name + "=" + percent_encode(value) + "\n";
    return to_hex(hmac_sha256(key_, to_sign));
}

}  // namespace parlor::blobs
