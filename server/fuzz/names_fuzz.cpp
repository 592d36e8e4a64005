// The sanitizers of what people name: display names and file names (with the MIME type and
// checksum fields of an upload). Whatever the bytes: a refusal with the field's code, or a
// value that is valid UTF-8, within its limit, free of what must never show, and stable
// (sanitizing it again changes nothing).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/text.hpp"
#include "files/file_fields.hpp"
#include "fuzz_check.hpp"
#include "rooms/display_name.hpp"

using namespace parlor;

namespace {

void shows_nothing_hidden(const std::string& value, std::string_view input) {
    auto chars = decode_utf8_text(value);
    fuzz::check(chars.has_value(), "the result is not UTF-8", input);
    fuzz::check(!chars->empty(), "the result is empty", input);
    for (const auto& c : *chars) fuzz::check(!is_control(c.code_point), "a control kept", input);
    fuzz::check(!is_space(chars->front().code_point) && !is_space(chars->back().code_point),
                "the result is not trimmed", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    try {
        auto name = rooms::validated_display_name(input);
        shows_nothing_hidden(name, input);
        fuzz::check(decode_utf8_text(name)->size() <= rooms::max_display_name_chars,
                    "a display name past its limit", input);
        fuzz::check(rooms::validated_display_name(name) == name, "a display name is not stable",
                    input);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::invalid_display_name,
                    "a display name refused with another code", input);
    }

    try {
        auto filename = files::display_filename(input);
        shows_nothing_hidden(filename, input);
        fuzz::check(filename.size() <= files::max_filename_bytes, "a filename past its limit",
                    input);
        fuzz::check(
            filename.find('/') == std::string::npos && filename.find('\\') == std::string::npos,
            "a filename with a folder", input);
        fuzz::check(files::display_filename(filename) == filename, "a filename is not stable",
                    input);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::bad_request,
                    "a filename refused with another code", input);
    }

    try {
        auto type = files::normalized_mime_type(input);
        fuzz::check(files::normalized_mime_type(type) == type, "a MIME type is not stable", input);
        for (char c : type)
            fuzz::check(!(c >= 'A' && c <= 'Z'), "a MIME type not lowercase", input);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::bad_request,
                    "a MIME type refused with another code", input);
    }

    try {
        auto sha = files::normalized_sha256(input);
        fuzz::check(sha.size() == 64, "a checksum of the wrong length", input);
    } catch (const error& refused) {
        fuzz::check(refused.code() == error_code::bad_request,
                    "a checksum refused with another code", input);
    }
    return 0;
}
