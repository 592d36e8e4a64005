#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parlor::realtime {

// A signal:offer / signal:answer / signal:ice frame read without a JSON tree: the relay's
// fast path. Every view points into the frame's text.
struct signal_frame {
    std::string_view type;
    std::string_view to;  // member id
    std::string_view call_id;
    std::string_view rid;      // as written; empty when absent
    std::string_view payload;  // the sdp (a JSON string) or the candidate (object or null),
                               // as written
};

// The frame as a signal when it is a well-formed one written plainly (ids without escapes,
// every field of the right type, no more members than the relay looks at); nullopt
// otherwise, and the general path reads it and says what is wrong.
std::optional<signal_frame> read_signal(std::string_view text);

// The frame the recipient gets: `from` set by the server, the payload passed on as written.
// The same members, in the same order, as the general path's nlohmann output.
std::string forwarded_signal(const signal_frame& signal, std::string_view from);

// The general path: a signal's data read from its JSON tree. Throws
// parlor::error(bad_request) naming the field that is wrong.
struct relayed_signal {
    std::string to;
    std::string call_id;
    nlohmann::json forwarded;  // the recipient's data: {from, callId, sdp | candidate}
};
relayed_signal read_signal_data(std::string_view type, const nlohmann::json& data,
                                std::string_view from);

}  // namespace parlor::realtime
