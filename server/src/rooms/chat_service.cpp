#include "rooms/chat_service.hpp"

#include "common/error.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

namespace parlor::rooms {

std::string chat_text(std::string_view typed) {
    auto chars = decode_utf8_text(typed);
    if (!chars) throw error(error_code::bad_request, "text must be valid UTF-8");
    // One newline for every line break ("\r\n", a lone "\r"); other controls are refused.
    std::string text;
    text.reserve(typed.size());
    std::size_t at = 0;
    for (std::size_t i = 0; i < chars->size(); ++i) {
        char32_t cp = (*chars)[i].code_point;
        std::string_view bytes = typed.substr(at, (*chars)[i].length);
        at += (*chars)[i].length;
        if (cp == '\r') {
            if (i + 1 < chars->size() && (*chars)[i + 1].code_point == '\n') continue;
            text += '\n';
        } else if (cp == '\n' || cp == '\t' || !is_control(cp)) {
            text += bytes;
        } else {
            throw error(error_code::bad_request,
                        "A message must not contain control characters other than line breaks "
                        "and tabs");
        }
    }
    // Trimmed of Unicode spaces and line breaks at both ends.
    auto trimmed = decode_utf8_text(text);
    std::size_t first = 0, last = trimmed->size();
    auto blank = [](char32_t cp) { return cp == '\n' || cp == '\t' || is_space(cp); };
    while (first < last && blank((*trimmed)[first].code_point)) ++first;
    while (last > first && blank((*trimmed)[last - 1].code_point)) --last;
    if (first == last) throw error(error_code::bad_request, "A message cannot be empty");
    if (last - first > max_chat_text_chars) {
        throw error(error_code::bad_request, "A message is at most 4,000 characters");
    }
    std::size_t begin = 0, length = 0;
    for (std::size_t i = 0; i < last; ++i) {
        if (i < first) {
            begin += (*trimmed)[i].length;
        } else {
            length += (*trimmed)[i].length;
        }
    }
    return text.substr(begin, length);
}

chat_service::chat_service(store::metadata_store& store, const clock& clock, chat_limits limits)
    : store_(store), clock_(clock), limits_(limits), posts_(limits.messages_per_minute, clock) {}

store::message_record chat_service::post(const caller& who, std::string text) {
    if (auto wait = posts_.acquire(who.member_id)) {
        throw error(error_code::rate_limited, "You are sending messages too fast")
            .with_retry_after(*wait);
    }
    store::message_record message{
        uuid_v4(), who.room_id, who.member_id, {}, std::move(text), clock_.now(), 0};
    switch (store_.insert_message(message, limits_.room_max_messages)) {
        case store::post_outcome::posted:
            return message;
        case store::post_outcome::room_full:
            throw error(error_code::quota_exceeded, "This room's chat is full");
        case store::post_outcome::not_member:
            break;
    }
    throw error(error_code::unauthorized, "You are no longer in this room");
}

std::vector<store::message_record> chat_service::history(const caller& who,
                                                         std::string_view before_id, int limit) {
    auto messages = store_.messages_before(who.room_id, before_id, limit);
    if (!messages) throw error(error_code::bad_request, "before is not a message of this room");
    return std::move(*messages);
}

}  // namespace parlor::rooms
