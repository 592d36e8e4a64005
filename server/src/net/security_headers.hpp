#pragma once

#include <string>
#include <string_view>

#include "common/asio.hpp"

namespace parlor::net {

enum class content_kind { app_document, asset, api, download };

// The app's page policy. `file_store_origin` (an S3 bucket's origin) may also be reached:
// browsers upload to and download from it directly.
inline std::string app_document_policy(std::string_view file_store_origin = {}) {
    std::string connect = "'self'";
    if (!file_store_origin.empty()) connect += " " + std::string(file_store_origin);
    return "default-src 'self'; script-src 'self'; style-src 'self'; "
           "img-src 'self' data: blob:; media-src 'self' blob:; connect-src " +
           connect +
           "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

// Headers every response carries, and the page policy for the app itself: scripts, styles
// and connections from our own origin only, camera/microphone/screen for our origin only.
template <class Fields>
void add_security_headers(Fields& fields, content_kind kind) {
    fields.set("X-Content-Type-Options", "nosniff");
    fields.set("Referrer-Policy", "no-referrer");
    fields.set("X-Frame-Options", "DENY");
    fields.set("Cross-Origin-Opener-Policy", "same-origin");
    fields.set("Cross-Origin-Resource-Policy", "same-origin");
    if (kind == content_kind::app_document) {
        fields.set("Content-Security-Policy", app_document_policy());
        fields.set("Permissions-Policy",
                   "camera=(self), microphone=(self), display-capture=(self), geolocation=()");
    } else if (kind == content_kind::download) {
        // Uploaded bytes (HTML, SVG…) must never run in our origin, even when opened.
        fields.set("Content-Security-Policy", "default-src 'none'; sandbox");
    } else {
        fields.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
}

}  // namespace parlor::net
