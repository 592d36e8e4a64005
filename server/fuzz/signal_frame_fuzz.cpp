// The relay's fast path against its general path: a frame the fast path takes must be one
// the general path takes too, naming the same peer and call, and the recipient must get the
// same frame from either (the differential of unit/realtime/signal_frame_test.cpp): the same
// JSON, and the same bytes when the payload is written as nlohmann writes it (the fast path
// passes it on as written, where nlohmann would sort a candidate's members or unescape).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "fuzz_check.hpp"
#include "realtime/frames.hpp"
#include "realtime/signal_frame.hpp"

using namespace parlor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto fast = realtime::read_signal(text);
    if (!fast) return 0;  // the general path reads it and says what is wrong

    realtime::envelope msg;
    realtime::relayed_signal general;
    try {
        realtime::read_envelope(text, msg);
        general = realtime::read_signal_data(msg.type, msg.data, "4b0c6a56-sender");
    } catch (const error&) {
        fuzz::broken("the fast path took a frame the general path refuses", text);
    }
    fuzz::check(msg.type == fast->type, "the type differs", text);
    fuzz::check(general.to == fast->to, "the recipient differs", text);
    fuzz::check(general.call_id == fast->call_id, "the call differs", text);
    if (fast->rid.empty()) {
        fuzz::check(msg.rid.is_null(), "a rid only the general path sees", text);
    } else {
        fuzz::check(nlohmann::json::parse(fast->rid, nullptr, false) == msg.rid, "the rid differs",
                    text);
    }
    auto fast_frame = realtime::forwarded_signal(*fast, "4b0c6a56-sender");
    auto general_frame = *realtime::make_frame(msg.type, general.forwarded);
    fuzz::check(
        nlohmann::json::parse(fast_frame, nullptr, false) == nlohmann::json::parse(general_frame),
        "the forwarded frames differ", text);
    auto payload = nlohmann::json::parse(fast->payload);
    if (payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) == fast->payload) {
        fuzz::check(fast_frame == general_frame, "the forwarded bytes differ", text);
    }
    return 0;
}
