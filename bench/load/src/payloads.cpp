#include "payloads.hpp"

#include <charconv>
#include <random>

namespace load {
namespace {

constexpr std::string_view crlf = "\\r\\n";  // as it appears inside a JSON string

std::string hex(std::mt19937_64& rng, int bytes, char sep = 0) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        if (sep && i) out += sep;
        auto b = static_cast<unsigned>(rng() & 0xff);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string token(std::mt19937_64& rng, int length) {
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    std::string out;
    for (int i = 0; i < length; ++i) out += alphabet[rng() % 64];
    return out;
}

// A Chrome-like unified-plan SDP: audio then video sections with their codecs, grown
// (more video codecs, more candidates) until it reaches `target` bytes once escaped.
std::string make_sdp(std::mt19937_64& rng, std::size_t target, bool offer) {
    auto line = [](std::string& out, const std::string& text) {
        out += text;
        out += crlf;
    };
    std::string ufrag = token(rng, 4), pwd = token(rng, 24), fp = hex(rng, 32, ':');
    std::string sdp;
    line(sdp, "o=- " + std::to_string(rng() % 9000000000000000000ull) + " 2 IN IP4 127.0.0.1");
    line(sdp, "s=-");
    line(sdp, "t=0 0");
    line(sdp, "a=group:BUNDLE 0 1");
    line(sdp, "a=extmap-allow-mixed");
    line(sdp, "a=msid-semantic: WMS " + token(rng, 36));
    auto section_common = [&](const std::string& mid) {
        line(sdp, "c=IN IP4 0.0.0.0");
        line(sdp, "a=rtcp:9 IN IP4 0.0.0.0");
        line(sdp, "a=ice-ufrag:" + ufrag);
        line(sdp, "a=ice-pwd:" + pwd);
        line(sdp, "a=ice-options:trickle");
        line(sdp, "a=fingerprint:sha-256 " + fp);
        line(sdp, std::string("a=setup:") + (offer ? "actpass" : "active"));
        line(sdp, "a=mid:" + mid);
    };
    line(sdp, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126");
    section_common("0");
    line(sdp, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    line(sdp, "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time");
    line(sdp, "a=sendrecv");
    line(sdp, "a=rtcp-mux");
    line(sdp, "a=rtpmap:111 opus/48000/2");
    line(sdp, "a=rtcp-fb:111 transport-cc");
    line(sdp, "a=fmtp:111 minptime=10;useinbandfec=1");
    line(sdp, "a=rtpmap:63 red/48000/2");
    line(sdp, "a=rtpmap:9 G722/8000");
    line(sdp, "a=rtpmap:0 PCMU/8000");
    line(sdp, "a=rtpmap:8 PCMA/8000");
    line(sdp, "a=ssrc:" + std::to_string(rng() % 4000000000u) + " cname:" + token(rng, 16));
    line(sdp, "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107");
    section_common("1");
    line(sdp, "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset");
    line(sdp, "a=extmap:13 urn:3gpp:video-orientation");
    line(sdp, "a=sendrecv");
    line(sdp, "a=rtcp-mux");
    line(sdp, "a=rtcp-rsize");
    static const char* codecs[] = {"VP8", "VP9", "H264", "AV1", "H265"};
    int pt = 96;
    std::size_t candidate = 0;
    while (sdp.size() + 150 < target) {
        std::string p = std::to_string(pt);
        const char* codec = codecs[(pt - 96) / 2 % 5];
        if (pt < 128) {
            line(sdp, "a=rtpmap:" + p + " " + codec + "/90000");
            line(sdp, "a=rtcp-fb:" + p + " goog-remb");
            line(sdp, "a=rtcp-fb:" + p + " transport-cc");
            line(sdp, "a=rtcp-fb:" + p + " ccm fir");
            line(sdp, "a=rtcp-fb:" + p + " nack");
            line(sdp, "a=rtcp-fb:" + p + " nack pli");
            if (std::string_view(codec) == "H264") {
                line(sdp, "a=fmtp:" + p +
                              " level-asymmetry-allowed=1;packetization-mode=1;"
                              "profile-level-id=42e01f");
            }
            line(sdp, "a=rtpmap:" + std::to_string(pt + 1) + " rtx/90000");
            line(sdp, "a=fmtp:" + std::to_string(pt + 1) + " apt=" + p);
            pt += 2;
        } else {
            ++candidate;
            line(sdp, "a=candidate:" + std::to_string(rng() % 4000000000u) + " 1 udp " +
                          std::to_string(2122260223 - candidate) + " 192.168." +
                          std::to_string(rng() % 255) + "." + std::to_string(rng() % 255) + " " +
                          std::to_string(40000 + rng() % 20000) +
                          " typ host generation 0 network-id " + std::to_string(candidate));
        }
    }
    return sdp;
}

void append_number(std::string& out, std::uint64_t n) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    (void)ec;
    out.append(digits, end);
}

void append_marker(std::string& out, const marker& m) {
    out += "x-bench:";
    append_number(out, m.id);
    out += '.';
    append_number(out, m.sender);
    out += '.';
    append_number(out, m.receiver);
}

bool parse_number(std::string_view& text, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || end == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
}

}  // namespace

const char* type_name(signal_kind kind) {
    switch (kind) {
        case signal_kind::offer:
            return "signal:offer";
        case signal_kind::answer:
            return "signal:answer";
        case signal_kind::ice:
            return "signal:ice";
    }
    return "";
}

signal_kind kind_for(std::uint64_t sequence) {
    switch (sequence % 10) {
        case 0:
            return signal_kind::offer;
        case 1:
            return signal_kind::answer;
        default:
            return signal_kind::ice;
    }
}

signal_factory::signal_factory(unsigned seed) {
    std::mt19937_64 rng(seed);
    // Frames end up 200 B (a host candidate) to 4 KiB (a large offer); the envelope, ids
    // and the marker add about 150 bytes to the SDP.
    for (int i = 0; i < 32; ++i) {
        auto split = [](std::string sdp) { return sdp_body{"v=0" + std::string(crlf), sdp}; };
        offers_.push_back(split(make_sdp(rng, 2200 + rng() % 1700, true)));
        answers_.push_back(split(make_sdp(rng, 1600 + rng() % 1700, false)));
        ufrags_.push_back(token(rng, 4));
        std::string ip =
            "192.168." + std::to_string(rng() % 255) + "." + std::to_string(rng() % 255);
        std::string port = std::to_string(40000 + rng() % 20000);
        std::string base = "candidate:" + std::to_string(rng() % 4000000000u);
        switch (i % 4) {
            case 0:
            case 1:
                candidates_.push_back(base + " 1 udp 2122260223 " + ip + " " + port +
                                      " typ host generation 0 ufrag " + ufrags_.back() +
                                      " network-id 1");
                break;
            case 2:
                candidates_.push_back(
                    base + " 1 udp 1686052607 203.0.113." + std::to_string(rng() % 255) + " " +
                    port + " typ srflx raddr " + ip + " rport " + port + " generation 0 ufrag " +
                    ufrags_.back() + " network-id 1 network-cost 10");
                break;
            default:
                candidates_.push_back(base + " 1 tcp 1518280447 " + ip + " 9 typ host " +
                                      "tcptype active generation 0 ufrag " + ufrags_.back() +
                                      " network-id 1");
        }
    }
}

std::string signal_factory::make(signal_kind kind, const std::string& to,
                                 const std::string& call_id, const marker& m) const {
    std::string out;
    auto pick = static_cast<std::size_t>(m.id % offers_.size());
    out.reserve(kind == signal_kind::ice ? 400 : 4200);
    out += R"({"type":")";
    out += type_name(kind);
    out += R"(","data":{"to":")";
    out += to;
    out += R"(","callId":")";
    out += call_id;
    if (kind == signal_kind::ice) {
        out += R"(","candidate":{"candidate":")";
        out += candidates_[pick];
        out += ' ';
        append_marker(out, m);
        out += R"(","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":")";
        out += ufrags_[pick];
        out += R"("}}})";
    } else {
        const auto& body = kind == signal_kind::offer ? offers_[pick] : answers_[pick];
        out += R"(","sdp":")";
        out += body.head;
        out += "a=";
        append_marker(out, m);
        out += crlf;
        out += body.tail;
        out += R"("}})";
    }
    return out;
}

std::string_view string_field(std::string_view json, std::string_view key) {
    std::size_t at = 0;
    while ((at = json.find(key, at)) != std::string_view::npos) {
        // `key` is the quoted name; it must be followed by optional spaces and a colon.
        std::size_t i = at + key.size();
        while (i < json.size() && json[i] == ' ') ++i;
        if (i < json.size() && json[i] == ':') {
            ++i;
            while (i < json.size() && json[i] == ' ') ++i;
            if (i >= json.size() || json[i] != '"') return {};
            auto end = json.find('"', i + 1);
            if (end == std::string_view::npos) return {};
            return json.substr(i + 1, end - i - 1);
        }
        at += key.size();
    }
    return {};
}

received_signal scan_signal(std::string_view frame) {
    received_signal out;
    out.type = string_field(frame, R"("type")");
    out.from = string_field(frame, R"("from")");
    out.call_id = string_field(frame, R"("callId")");
    auto at = frame.find("x-bench:");
    if (at != std::string_view::npos) {
        std::string_view rest = frame.substr(at + 8);
        marker m;
        std::uint64_t sender = 0, receiver = 0;
        if (parse_number(rest, m.id) && !rest.empty() && rest.front() == '.' &&
            (rest.remove_prefix(1), parse_number(rest, sender)) && !rest.empty() &&
            rest.front() == '.' && (rest.remove_prefix(1), parse_number(rest, receiver))) {
            m.sender = static_cast<std::uint32_t>(sender);
            m.receiver = static_cast<std::uint32_t>(receiver);
            out.mark = m;
        }
    }
    return out;
}

}  // namespace load
