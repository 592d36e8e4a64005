#include "common/json_scan.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace parlor::json_scan {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Bytes that a string may hold as they are: printable ASCII other than '"' and '\\'.
constexpr auto plain_bytes = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return plain;
}();

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class scanner {
  public:
    scanner(std::string_view text, int max_depth)
        : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

    // Also fill `inner` with the members of the top-level member `key`, if it is an object.
    void capture(std::string_view key, object_view& inner, bool& found) {
        inner_key_ = key;
        inner_ = &inner;
        inner_found_ = &found;
    }

    scan_result top(object_view& out) {
        skip_space();
        bool is_object = p_ != end_ && *p_ == '{';
        if (!(is_object ? object(1, &out) : value(1))) return scan_result::invalid;
        skip_space();
        if (p_ != end_) return scan_result::invalid;
        return is_object ? scan_result::object : scan_result::not_object;
    }

  private:
    void skip_space() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }

    bool value(int depth) {
        if (p_ == end_) return false;
        switch (*p_) {
            case '{':
                return object(depth, nullptr);
            case '[':
                return array(depth);
            case '"':
                return string(nullptr);
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number();
        }
    }

    bool object(int depth, object_view* out) {
        if (depth > max_depth_) return false;
        ++p_;  // '{'
        skip_space();
        if (p_ != end_ && *p_ == '}') {
            ++p_;
            return true;
        }
        for (;;) {
            if (p_ == end_ || *p_ != '"') return false;
            const char* key_start = p_ + 1;
            bool escaped = false;
            if (!string(&escaped)) return false;
            std::string_view key(key_start, static_cast<std::size_t>(p_ - 1 - key_start));
            skip_space();
            if (p_ == end_ || *p_ != ':') return false;
            ++p_;
            skip_space();
            const char* value_start = p_;
            if (depth == 1 && inner_ && key == inner_key_ && p_ != end_ && *p_ == '{') {
                *inner_ = {};
                *inner_found_ = true;
                if (!object(depth + 1, inner_)) return false;
            } else if (!value(depth + 1)) {
                return false;
            }
            if (out) {
                out->escaped_keys = out->escaped_keys || escaped;
                if (out->count < object_view::capacity) {
                    out->members[out->count++] = {
                        key, {value_start, static_cast<std::size_t>(p_ - value_start)}};
                } else {
                    out->truncated = true;
                }
            }
            skip_space();
            if (p_ == end_) return false;
            if (*p_ == '}') {
                ++p_;
                return true;
            }
            if (*p_ != ',') return false;
            ++p_;
            skip_space();
        }
    }

    bool array(int depth) {
        if (depth > max_depth_) return false;
        ++p_;  // '['
        skip_space();
        if (p_ != end_ && *p_ == ']') {
            ++p_;
            return true;
        }
        for (;;) {
            if (!value(depth + 1)) return false;
            skip_space();
            if (p_ == end_) return false;
            if (*p_ == ']') {
                ++p_;
                return true;
            }
            if (*p_ != ',') return false;
            ++p_;
            skip_space();
        }
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return false;
        }
        p_ += word.size();
        return true;
    }

    bool digits() {
        if (p_ == end_ || !is_digit(*p_)) return false;
        while (p_ != end_ && is_digit(*p_)) ++p_;
        return true;
    }

    bool number() {
        const char* start = p_;
        if (!number_syntax()) return false;
        // nlohmann refuses a number too large for a double; only long ones or ones with an
        // exponent can be (parlor never changes the C locale that strtod reads).
        auto length = static_cast<std::size_t>(p_ - start);
        if (length < 300 &&
            std::string_view(start, length).find_first_of("eE") == std::string_view::npos) {
            return true;
        }
        return std::isfinite(std::strtod(std::string(start, length).c_str(), nullptr));
    }

    bool number_syntax() {
        if (p_ != end_ && *p_ == '-') ++p_;
        if (p_ == end_) return false;
        if (*p_ == '0') {
            ++p_;
        } else if (!digits()) {
            return false;
        }
        if (p_ != end_ && *p_ == '.') {
            ++p_;
            if (!digits()) return false;
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!digits()) return false;
        }
        return true;
    }

    // Four hex digits after "\u".
    bool code_unit(unsigned& unit) {
        if (end_ - p_ < 4) return false;
        unit = 0;
        for (int i = 0; i < 4; ++i) {
            int digit = hex_value(*p_++);
            if (digit < 0) return false;
            unit = unit * 16 + static_cast<unsigned>(digit);
        }
        return true;
    }

    bool escape() {
        if (p_ == end_) return false;
        switch (*p_++) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return true;
            case 'u':
                break;
            default:
                return false;
        }
        unsigned unit = 0;
        if (!code_unit(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate alone
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        // A high surrogate: a low one must follow.
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
        p_ += 2;
        return code_unit(unit) && unit >= 0xDC00 && unit <= 0xDFFF;
    }

    // One UTF-8 sequence whose first byte (>= 0x80) is at p_ (RFC 3629, table 3-7).
    bool utf8_sequence() {
        auto byte = [](const char* at) { return static_cast<unsigned char>(*at); };
        unsigned char lead = byte(p_);
        int more = 0;
        unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
        if (lead >= 0xC2 && lead <= 0xDF) {
            more = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            more = 2;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            more = 3;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return false;
        }
        if (end_ - p_ <= more) return false;
        if (byte(p_ + 1) < low || byte(p_ + 1) > high) return false;
        for (int i = 2; i <= more; ++i) {
            if (byte(p_ + i) < 0x80 || byte(p_ + i) > 0xBF) return false;
        }
        p_ += more + 1;
        return true;
    }

    bool string(bool* escaped) {
        ++p_;  // '"'
        while (p_ != end_) {
            while (p_ != end_ && plain_bytes[static_cast<unsigned char>(*p_)]) ++p_;
            if (p_ == end_) break;
            auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return false;
            if (c == '\\') {
                ++p_;
                if (!escape()) return false;
                if (escaped) *escaped = true;
            } else if (c >= 0x80) {
                if (!utf8_sequence()) return false;
            } else {
                ++p_;
            }
        }
        return false;
    }

    const char* p_;
    const char* end_;
    int max_depth_;
    std::string_view inner_key_;
    object_view* inner_ = nullptr;
    bool* inner_found_ = nullptr;
};

}  // namespace

std::optional<std::string_view> object_view::find(std::string_view key) const {
    for (std::size_t i = count; i-- > 0;) {
        if (members[i].key == key) return members[i].value;
    }
    return std::nullopt;
}

scan_result scan_object(std::string_view text, object_view& out, int max_depth) {
    out = {};
    return scanner(text, max_depth).top(out);
}

scan_result scan_object(std::string_view text, object_view& out, std::string_view inner_key,
                        object_view& inner, bool& inner_found, int max_depth) {
    out = {};
    inner = {};
    inner_found = false;
    scanner scan(text, max_depth);
    scan.capture(inner_key, inner, inner_found);
    return scan.top(out);
}

std::optional<std::string_view> plain_string(std::string_view value) {
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::nullopt;
    auto contents = value.substr(1, value.size() - 2);
    if (contents.find('\\') != std::string_view::npos) return std::nullopt;
    return contents;
}

void append_quoted(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (byte < 0x20) {
                    out += "\\u00";
                    out += hex[byte >> 4];
                    out += hex[byte & 0xF];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

}  // namespace parlor::json_scan
