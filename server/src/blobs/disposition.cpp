#include "blobs/disposition.hpp"

#include "blobs/signed_url.hpp"

namespace parlor::blobs {

std::string attachment_disposition(std::string_view filename) {
    std::string fallback;
    for (unsigned char c : filename) {
        bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
        // One '_' per UTF-8 sequence: its lead byte, not its continuation bytes.
        if (plain) {
            fallback.push_back(static_cast<char>(c));
        } else if ((c & 0xc0) != 0x80) {
            fallback.push_back('_');
        }
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" +
           percent_encode(filename);
}

}  // namespace parlor::blobs
