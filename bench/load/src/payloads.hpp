#pragma once

// Realistic WebRTC signaling frames, each carrying a marker that names the message:
// `x-bench:<id>.<sender>.<receiver>` — in an `a=` line of the SDP for offers and answers,
// as a trailing extension of the candidate string for ICE. The receiver reads the marker
// back to check that the message came once, from the right sender, to the right peer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace load {

enum class signal_kind : std::uint8_t { offer, answer, ice };

const char* type_name(signal_kind kind);  // "signal:offer", ...
// Kinds in the proportions of a real negotiation: per ten messages one offer, one answer
// and eight ICE candidates.
signal_kind kind_for(std::uint64_t sequence);

struct marker {
    std::uint64_t id = 0;
    std::uint32_t sender = 0;
    std::uint32_t receiver = 0;
};

class signal_factory {
  public:
    explicit signal_factory(unsigned seed);
    // One client→server frame: {"type","data":{"to","callId","sdp"|"candidate"}}.
    std::string make(signal_kind kind, const std::string& to, const std::string& call_id,
                     const marker& m) const;

  private:
    // JSON-escaped SDP bodies, split where the marker line goes.
    struct sdp_body {
        std::string head, tail;
    };
    std::vector<sdp_body> offers_, answers_;
    std::vector<std::string> candidates_;  // candidate strings (no marker), plain ASCII
    std::vector<std::string> ufrags_;
};

// Fields of a server→client frame, found by scanning instead of parsing: the load
// generator must stay much cheaper than the servers it measures.
struct received_signal {
    std::string_view type;
    std::string_view from;
    std::string_view call_id;
    std::optional<marker> mark;
};
// The value of string field `key` (the first occurrence), or empty.
std::string_view string_field(std::string_view json, std::string_view key);
received_signal scan_signal(std::string_view frame);

}  // namespace load
