#include "blobs/sigv4.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <stdexcept>

#include "common/crypto.hpp"

namespace parlor::blobs::sigv4 {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
// SHA-256 of zero bytes: the payload hash of a request without a body.
constexpr std::string_view empty_payload_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// 9999-12-31T23:59:59Z: past it, the 8-digit date in the credential scope overflows.
constexpr std::int64_t last_signable_second = 253'402'300'799;

[[noreturn]] void reject(const std::string& why) {
    throw std::invalid_argument(why);
}

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string ascii_lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

bool all_of_chars(std::string_view text, bool (*allowed)(char)) {
    return std::all_of(text.begin(), text.end(), allowed);
}

// Endpoint parsing -------------------------------------------------------------------------

bool is_hostname_char(char c) {
    return is_unreserved(static_cast<unsigned char>(c)) && c != '~';
}

bool is_ipv6_literal_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

std::uint16_t parse_port(std::string_view digits) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || digits.size() > 5 || ec != std::errc() ||
        end != digits.data() + digits.size() || value == 0 || value > 65535) {
        reject("the endpoint's port is not a number from 1 to 65535");
    }
    return static_cast<std::uint16_t>(value);
}

// Splits "host[:port]" or "[v6]:port" into the host and the port text after the colon.
std::pair<std::string_view, std::string_view> split_authority(std::string_view authority) {
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) reject("the endpoint's IPv6 address has no ']'");
        std::string_view host = authority.substr(0, close + 1);
        std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':'))
            reject("the endpoint has text after its IPv6 address");
        if (host.size() < 3 || !all_of_chars(host.substr(1, host.size() - 2), is_ipv6_literal_char))
            reject("the endpoint's IPv6 address is malformed");
        return {host, rest.empty() ? rest : rest.substr(1)};
    }
    auto colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (host.empty() || !all_of_chars(host, is_hostname_char))
        reject("the endpoint's host name is empty or has characters a host name cannot have");
    return {host,
            colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1)};
}

// Location -> Host header value and canonical (already encoded) path ----------------------

bool is_bucket_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool is_alnum_lower(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

struct resolved_target {
    std::string scheme;
    std::string host;  // the Host header: what the URL's authority says
    std::string path;  // the canonical URI, which is also the URL's path
};

resolved_target resolve(const location& where) {
    if (!is_valid_bucket_name(where.bucket))
        reject("the bucket name is not a valid S3 bucket name");
    if (where.endpoint.host.empty()) reject("the endpoint has no host");
    std::string encoded_key = uri_encode(where.key, false);
    if (where.style == addressing::virtual_host) {
        // A bucket cannot be a subdomain of an IP address; such endpoints need path style.
        if (where.endpoint.host_is_ip_literal())
            reject("virtual-host addressing needs an endpoint with a DNS name, not an IP address");
        return {where.endpoint.scheme, where.bucket + "." + where.endpoint.authority(),
                "/" + encoded_key};
    }
    std::string path = "/" + where.bucket;
    if (!where.key.empty()) path += "/" + encoded_key;
    return {where.endpoint.scheme, where.endpoint.authority(), std::move(path)};
}

// Scope and keys ---------------------------------------------------------------------------

bool is_scope_char(char c) {
    return is_alnum_lower(c) || c == '-';
}

void validate(const signing_input& input) {
    static constexpr std::array<std::string_view, 4> methods = {"GET", "PUT", "HEAD", "DELETE"};
    if (std::find(methods.begin(), methods.end(), input.method) == methods.end())
        reject("the method is not one of GET, PUT, HEAD, DELETE");
    if (input.region.empty() || !all_of_chars(input.region, is_scope_char))
        reject("the region is empty or not lowercase letters, digits and '-'");
    if (input.service.empty() || !all_of_chars(input.service, is_scope_char))
        reject("the service is empty or not lowercase letters, digits and '-'");
    if (input.keys.access_key_id.empty() || input.keys.access_key_id.find('/') != std::string::npos)
        reject("the access key id is empty or contains '/'");
    if (input.keys.secret_access_key.empty()) reject("the secret access key is empty");
    if (input.unix_time < 0 || input.unix_time > last_signable_second)
        reject("the signing time is outside 1970..9999");
}

// "20130524T000000Z"
std::string amz_timestamp(std::int64_t unix_time) {
    auto seconds = static_cast<std::time_t>(unix_time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

struct scope {
    std::string timestamp;   // 20130524T000000Z
    std::string credential;  // 20130524/us-east-1/s3/aws4_request
};

scope scope_of(const signing_input& input) {
    std::string timestamp = amz_timestamp(input.unix_time);
    std::string date = timestamp.substr(0, 8);
    return {timestamp, date + "/" + input.region + "/" + input.service + "/aws4_request"};
}

std::string signature(const signing_input& input, const scope& sc,
                      std::string_view canonical_request) {
    std::string string_to_sign = std::string(algorithm) + "\n" + sc.timestamp + "\n" +
                                 sc.credential + "\n" + sha256_hex(canonical_request);
    std::string key = hmac_sha256("AWS4" + input.keys.secret_access_key, sc.timestamp.substr(0, 8));
    key = hmac_sha256(key, input.region);
    key = hmac_sha256(key, input.service);
    key = hmac_sha256(key, "aws4_request");
    return to_hex(hmac_sha256(key, string_to_sign));
}

std::string canonical_request(std::string_view method, const resolved_target& target,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers, std::string_view payload_hash) {
    std::string out;
    for (std::string_view part : {method, std::string_view(target.path), canonical_query,
                                  canonical_headers, signed_headers}) {
        out.append(part);
        out += '\n';
    }
    out.append(payload_hash);
    return out;
}

// Query parameters -------------------------------------------------------------------------

// Sorted by encoded name, then encoded value, as the canonical query string requires.
std::string canonical_query_string(const name_value_list& parameters) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(parameters.size());
    for (const auto& [name, value] : parameters)
        encoded.emplace_back(uri_encode(name, true), uri_encode(value, true));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [name, value] : encoded) {
        if (!out.empty()) out += '&';
        out += name + "=" + value;
    }
    return out;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           ascii_lowercase(text.substr(0, prefix.size())) == ascii_lowercase(prefix);
}

// Headers ----------------------------------------------------------------------------------

bool is_token_char(char c) {
    return is_unreserved(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+^`|").find(c) != std::string_view::npos;
}

// Leading and trailing spaces removed, inner runs of spaces collapsed to one (AWS's rule).
std::string trimmed_header_value(std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos)
        reject("a header value contains a line break");
    std::string out;
    for (char c : value) {
        bool space = c == ' ' || c == '\t';
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

void validate_payload_hash(std::string_view hash) {
    auto is_hex_lower = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    bool sha256 = hash.size() == 64 && std::all_of(hash.begin(), hash.end(), is_hex_lower);
    if (!sha256 && hash != unsigned_payload)
        reject("the payload hash is neither lowercase hex SHA-256 nor UNSIGNED-PAYLOAD");
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c) || (c == '/' && !encode_slash)) {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0x0f];
        }
    }
    return out;
}

bool is_valid_bucket_name(std::string_view name) {
    // S3's rules for new buckets, which are also what a DNS label needs for virtual hosting.
    return name.size() >= 3 && name.size() <= 63 && all_of_chars(name, is_bucket_char) &&
           is_alnum_lower(name.front()) && is_alnum_lower(name.back()) &&
           name.find("..") == std::string_view::npos;
}

std::string service_endpoint::authority() const {
    return port ? host + ":" + std::to_string(*port) : host;
}

bool service_endpoint::host_is_ip_literal() const {
    auto is_ipv4_char = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
    return host.starts_with('[') || std::all_of(host.begin(), host.end(), is_ipv4_char);
}

service_endpoint parse_endpoint(std::string_view url) {
    auto separator = url.find("://");
    if (separator == std::string_view::npos) reject("the endpoint is not scheme://host[:port]");
    std::string scheme = ascii_lowercase(url.substr(0, separator));
    if (scheme != "http" && scheme != "https") reject("the endpoint's scheme is not http or https");
    std::string_view authority = url.substr(separator + 3);
    if (authority.ends_with('/')) authority.remove_suffix(1);
    if (authority.find_first_of("/?#@ ") != std::string_view::npos)
        reject("the endpoint has a path, query, user or space; give only scheme://host[:port]");
    auto [host, port_text] = split_authority(authority);
    service_endpoint endpoint{scheme, ascii_lowercase(host), std::nullopt};
    if (!port_text.empty() || authority.ends_with(':')) endpoint.port = parse_port(port_text);
    // Clients leave a default port out of the Host header, so the signature must too.
    std::uint16_t default_port = scheme == "https" ? 443 : 80;
    if (endpoint.port == default_port) endpoint.port.reset();
    return endpoint;
}

std::string presign_url(const signing_input& input, std::int64_t expires_seconds,
                        const name_value_list& extra_query, const name_value_list& signed_headers) {
    validate(input);
    if (expires_seconds < 1 || expires_seconds > max_presign_seconds)
        reject("a presigned URL must expire within 1 to 604800 seconds");
    for (const auto& [name, value] : extra_query) {
        if (name.empty() || starts_with_ignoring_case(name, "x-amz-"))
            reject("an extra query parameter is unnamed or is one of the signature's own");
    }
    resolved_target target = resolve(input.target);
    scope sc = scope_of(input);

    name_value_list headers = {{"host", target.host}};
    for (const auto& [name, value] : signed_headers) {
        if (name.empty() || !all_of_chars(name, is_token_char))
            reject("a signed header name is empty or not an HTTP token");
        std::string lower = ascii_lowercase(name);
        bool taken = std::any_of(headers.begin(), headers.end(),
                                 [&](const auto& header) { return header.first == lower; });
        if (taken) reject("a signed header is repeated or is the host");
        headers.emplace_back(std::move(lower), trimmed_header_value(value));
    }
    std::sort(headers.begin(), headers.end());
    std::string canonical_headers, signed_names;
    for (const auto& [name, value] : headers) {
        canonical_headers += name + ":" + value + "\n";
        if (!signed_names.empty()) signed_names += ';';
        signed_names += name;
    }

    name_value_list query = extra_query;
    query.emplace_back("X-Amz-Algorithm", algorithm);
    query.emplace_back("X-Amz-Credential", input.keys.access_key_id + "/" + sc.credential);
    query.emplace_back("X-Amz-Date", sc.timestamp);
    query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
    query.emplace_back("X-Amz-SignedHeaders", signed_names);
    if (!input.keys.session_token.empty())
        query.emplace_back("X-Amz-Security-Token", input.keys.session_token);
    std::string query_string = canonical_query_string(query);

    std::string request = canonical_request(input.method, target, query_string, canonical_headers,
                                            signed_names, unsigned_payload);
    return target.scheme + "://" + target.host + target.path + "?" + query_string +
           "&X-Amz-Signature=" + signature(input, sc, request);
}

signed_request_headers sign_headers(const signing_input& input,
                                    const name_value_list& extra_headers,
                                    std::string_view payload_sha256) {
    validate(input);
    std::string_view payload_hash = payload_sha256.empty() ? empty_payload_sha256 : payload_sha256;
    validate_payload_hash(payload_hash);
    resolved_target target = resolve(input.target);
    scope sc = scope_of(input);

    name_value_list headers = {{"host", target.host},
                               {"x-amz-content-sha256", std::string(payload_hash)},
                               {"x-amz-date", sc.timestamp}};
    if (!input.keys.session_token.empty())
        headers.emplace_back("x-amz-security-token",
                             trimmed_header_value(input.keys.session_token));
    for (const auto& [name, value] : extra_headers) {
        if (name.empty() || !all_of_chars(name, is_token_char))
            reject("an extra header name is empty or not an HTTP token");
        std::string lower = ascii_lowercase(name);
        bool taken = lower == "authorization" ||
                     std::any_of(headers.begin(), headers.end(),
                                 [&](const auto& header) { return header.first == lower; });
        if (taken) reject("an extra header is repeated or is one the signature sets itself");
        headers.emplace_back(std::move(lower), trimmed_header_value(value));
    }
    std::sort(headers.begin(), headers.end());

    std::string canonical_headers, signed_headers;
    for (const auto& [name, value] : headers) {
        canonical_headers += name + ":" + value + "\n";
        if (!signed_headers.empty()) signed_headers += ';';
        signed_headers += name;
    }
    std::string request = canonical_request(input.method, target, "", canonical_headers,
                                            signed_headers, payload_hash);
    headers.emplace_back("Authorization", std::string(algorithm) +
                                              " Credential=" + input.keys.access_key_id + "/" +
                                              sc.credential + ", SignedHeaders=" + signed_headers +
                                              ", Signature=" + signature(input, sc, request));
    return {target.scheme + "://" + target.host + target.path, std::move(headers)};
}

}  // namespace parlor::blobs::sigv4
