#include "net/static_files.hpp"

#include <array>
#include <optional>
#include <utility>

#include "api/response.hpp"
#include "api/router.hpp"
#include "common/error.hpp"
#include "net/security_headers.hpp"

namespace parlor::net {
namespace {

const char* mime_type(const std::filesystem::path& path) {
    static constexpr std::array<std::pair<std::string_view, const char*>, 16> types{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
        {".wasm", "application/wasm"},
    }};
    auto ext = path.extension().string();
    for (auto [known, type] : types) {
        if (ext == known) return type;
    }
    return "application/octet-stream";
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The request path, percent-decoded, as segments that are safe to join under the root:
// nullopt for "..", ".", NUL, backslashes or malformed escapes.
std::optional<std::vector<std::string>> safe_segments(std::string_view target) {
    std::vector<std::string> safe;
    for (const auto& raw : api::path_segments(target)) {
        std::string segment;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '%') {
                segment.push_back(raw[i]);
                continue;
            }
            if (i + 2 >= raw.size()) return std::nullopt;
            int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            segment.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        }
        if (segment == "." || segment == ".." ||
            segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
            return std::nullopt;
        }
        safe.push_back(std::move(segment));
    }
    return safe;
}

}  // namespace

static_files::static_files(std::filesystem::path root, std::string file_store_origin)
    : root_(std::move(root)), document_policy_(app_document_policy(file_store_origin)) {}

bool static_files::available() const {
    std::error_code ec;
    return std::filesystem::is_regular_file(root_ / "index.html", ec);
}

static_response static_files::serve(const api::request& req) const {
    auto fail = [&](error_code code, const char* message) -> static_response {
        auto res = api::error_response(req.version(), req.keep_alive(), error(code, message));
        add_security_headers(res, content_kind::api);
        return res;
    };
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return fail(error_code::method_not_allowed, "Only GET and HEAD are served here");
    }
    auto segments = safe_segments(std::string_view(req.target().data(), req.target().size()));
    if (!segments) return fail(error_code::bad_request, "The path is not valid");

    std::filesystem::path path = root_;
    for (const auto& s : *segments) path /= s;
    std::error_code ec;
    bool is_asset = !segments->empty() && segments->front() == "assets";
    if (segments->empty() || !std::filesystem::is_regular_file(path, ec)) {
        if (is_asset) return fail(error_code::not_found, "No such file");
        path = root_ / "index.html";  // a client-side route: the app decides what it shows
    }

    http::file_body::value_type body;
    beast::error_code open_error;
    body.open(path.c_str(), beast::file_mode::scan, open_error);
    if (open_error) return fail(error_code::not_found, "The web client is not available");

    bool document = path.filename() == "index.html";
    auto describe = [&](auto& res) {
        res.set(http::field::content_type, mime_type(path));
        // Vite names assets by content hash, so they never change; the page itself must
        // always be fresh so that a new release is picked up.
        res.set(http::field::cache_control,
                is_asset ? "public, max-age=31536000, immutable" : "no-cache");
        add_security_headers(res, document ? content_kind::app_document : content_kind::asset);
        if (document) res.set("Content-Security-Policy", document_policy_);
        res.keep_alive(req.keep_alive());
    };
    if (req.method() == http::verb::head) {
        api::response res{http::status::ok, req.version()};
        describe(res);
        res.content_length(body.size());
        return res;
    }
    file_response res{http::status::ok, req.version()};
    describe(res);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

}  // namespace parlor::net
