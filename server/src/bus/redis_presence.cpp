#include "bus/redis_presence.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace parlor::bus {
namespace {

// How long one command may take, and how soon a lost connection is tried again: while
// Redis is away, one presence call in that long waits for it, the others answer locally.
constexpr timeval command_timeout{0, 500'000};
constexpr auto retry_interval = std::chrono::seconds(2);
// Claims renewed, or expired claims reaped, per script run.
constexpr std::size_t batch = 200;

// Shared by every script. Claims are "<member>|<instance>" fields of the room's hash, and
// "<room>|<member>|<instance>" entries of the set by expiry; ids never hold '|'. The
// scripts name keys they build (not cluster-safe: one Redis, or one primary, serves them).
constexpr std::string_view prelude = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drops the member's expired claims in the room (but `except`); true when a live one is left.
local function settle(room, member, now, except)
  local hash = 'parlor:presence:' .. room
  local prefix = member .. '|'
  local fields = redis.call('HGETALL', hash)
  local live = false
  for i = 1, #fields, 2 do
    local f = fields[i]
    if f ~= except and string.sub(f, 1, #prefix) == prefix then
      if tonumber(fields[i + 1]) > now then
        live = true
      else
        redis.call('HDEL', hash, f)
        redis.call('ZREM', 'parlor:presence', room .. '|' .. f)
      end
    end
  end
  return live
end
local function claim(room, member, instance, expiry)
  local mine = member .. '|' .. instance
  redis.call('HSET', 'parlor:presence:' .. room, mine, expiry)
  redis.call('ZADD', 'parlor:presence', expiry, room .. '|' .. mine)
end
)lua";

// ARGV: room, member, instance, time to live (ms). 1: the member came online.
constexpr std::string_view attach_script = R"lua(
local now = now_ms()
local elsewhere = settle(ARGV[1], ARGV[2], now, ARGV[2] .. '|' .. ARGV[3])
claim(ARGV[1], ARGV[2], ARGV[3], now + tonumber(ARGV[4]))
if elsewhere then return 0 end
return 1
)lua";

// ARGV: room, member, instance. 1: the member went offline.
constexpr std::string_view detach_script = R"lua(
local mine = ARGV[2] .. '|' .. ARGV[3]
redis.call('HDEL', 'parlor:presence:' .. ARGV[1], mine)
redis.call('ZREM', 'parlor:presence', ARGV[1] .. '|' .. mine)
if settle(ARGV[1], ARGV[2], now_ms(), mine) then return 0 end
return 1
)lua";

// ARGV: room. The members with a live claim (once per claim).
constexpr std::string_view online_script = R"lua(
local now = now_ms()
local fields = redis.call('HGETALL', 'parlor:presence:' .. ARGV[1])
local online = {}
for i = 1, #fields, 2 do
  if tonumber(fields[i + 1]) > now then
    table.insert(online, string.match(fields[i], '^(.*)|[^|]*$'))
  end
end
return online
)lua";

// ARGV: instance, time to live (ms), then room and member pairs: claims renewed.
constexpr std::string_view claim_script = R"lua(
local expiry = now_ms() + tonumber(ARGV[2])
for i = 3, #ARGV, 2 do claim(ARGV[i], ARGV[i + 1], ARGV[1], expiry) end
return 0
)lua";

// ARGV: how many. Removes expired claims; returns room and member pairs left with none.
constexpr std::string_view reap_script = R"lua(
local now = now_ms()
local gone = {}
local expired = redis.call('ZRANGEBYSCORE', 'parlor:presence', '-inf', now, 'LIMIT', 0,
                           tonumber(ARGV[1]))
for _, entry in ipairs(expired) do
  if redis.call('ZREM', 'parlor:presence', entry) == 1 then
    local room, member, instance = string.match(entry, '^([^|]*)|([^|]*)|([^|]*)$')
    if room then
      redis.call('HDEL', 'parlor:presence:' .. room, member .. '|' .. instance)
      if not settle(room, member, now, '') then
        table.insert(gone, room)
        table.insert(gone, member)
      end
    end
  end
end
return gone
)lua";

struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

reply_ptr run(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return reply_ptr(static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

std::vector<std::string> eval_args(std::string_view script, std::vector<std::string> args) {
    std::vector<std::string> all{"EVAL", std::string(prelude).append(script), "0"};
    all.insert(all.end(), std::make_move_iterator(args.begin()),
               std::make_move_iterator(args.end()));
    return all;
}

std::string text_of(const redisReply* r) {
    return r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string();
}

}  // namespace

void redis_presence::context_deleter::operator()(redisContext* c) const {
    redisFree(c);
}

redis_presence::redis_presence(redis_location where, std::string instance_id,
                               std::chrono::milliseconds time_to_live)
    : where_(std::move(where)), instance_id_(std::move(instance_id)), time_to_live_(time_to_live) {}

redis_presence::~redis_presence() = default;

void redis_presence::lost(const char* what) const {
    if (!warned_) {
        spdlog::warn(nlohmann::json{{"event", "presence_unavailable"},
                                    {"error", what},
                                    {"fallback", "members online on this instance"}}
                         .dump());
        warned_ = true;
    }
    redis_.reset();
    next_attempt_ = std::chrono::steady_clock::now() + retry_interval;
}

redisContext* redis_presence::connection() const {
    if (redis_ && redis_->err == 0) return redis_.get();
    if (redis_) lost(redis_->errstr);
    if (std::chrono::steady_clock::now() < next_attempt_) return nullptr;
    redis_.reset(redisConnectWithTimeout(where_.host.c_str(), where_.port, command_timeout));
    if (!redis_ || redis_->err) {
        lost(redis_ ? redis_->errstr : "out of memory");
        return nullptr;
    }
    redisSetTimeout(redis_.get(), command_timeout);
    auto check = [&](std::vector<std::string> args) {
        auto r = run(redis_.get(), args);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            lost(r ? "Redis refused AUTH or SELECT" : redis_->errstr);
            return false;
        }
        return true;
    };
    if (!where_.password.empty() && !check({"AUTH", where_.password})) return nullptr;
    if (where_.db != 0 && !check({"SELECT", std::to_string(where_.db)})) return nullptr;
    // Claims made while away were not recorded, and Redis may have restarted empty.
    if (!claim(here_.held())) return nullptr;
    if (warned_) {
        spdlog::info(nlohmann::json{{"event", "presence_available"}}.dump());
        warned_ = false;
    }
    return redis_.get();
}

bool redis_presence::claim(const std::vector<member_in_room>& members) const {
    for (std::size_t from = 0; from < members.size(); from += batch) {
        std::vector<std::string> args{instance_id_, std::to_string(time_to_live_.count())};
        for (std::size_t i = from; i < std::min(members.size(), from + batch); ++i) {
            args.push_back(members[i].first);
            args.push_back(members[i].second);
        }
        auto r = run(redis_.get(), eval_args(claim_script, std::move(args)));
        if (!r || r->type == REDIS_REPLY_ERROR) {
            lost(r ? "a presence script failed" : redis_->errstr);
            return false;
        }
    }
    return true;
}

bool redis_presence::attach(const std::string& room_id, const std::string& member_id) {
    std::lock_guard lock(mutex_);
    bool first_here = here_.attach(room_id, member_id);
    if (!first_here) return false;
    auto* c = connection();
    if (!c) return true;
    auto r = run(c, eval_args(attach_script, {room_id, member_id, instance_id_,
                                              std::to_string(time_to_live_.count())}));
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        lost(r ? "a presence script failed" : c->errstr);
        return true;
    }
    return r->integer == 1;
}

bool redis_presence::detach(const std::string& room_id, const std::string& member_id) {
    std::lock_guard lock(mutex_);
    bool last_here = here_.detach(room_id, member_id);
    if (!last_here) return false;
    auto* c = connection();
    if (!c) return true;
    auto r = run(c, eval_args(detach_script, {room_id, member_id, instance_id_}));
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        lost(r ? "a presence script failed" : c->errstr);
        return true;
    }
    return r->integer == 1;
}

std::unordered_set<std::string> redis_presence::online_in(const std::string& room_id) const {
    std::lock_guard lock(mutex_);
    auto* c = connection();
    if (!c) return here_.online_in(room_id);
    auto r = run(c, eval_args(online_script, {room_id}));
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        lost(r ? "a presence script failed" : c->errstr);
        return here_.online_in(room_id);
    }
    std::unordered_set<std::string> online;
    for (std::size_t i = 0; i < r->elements; ++i) online.insert(text_of(r->element[i]));
    return online;
}

std::vector<presence::member_in_room> redis_presence::maintain() {
    std::lock_guard lock(mutex_);
    std::vector<member_in_room> gone;
    if (!connection() || !claim(here_.held())) return gone;
    for (;;) {
        auto r = run(redis_.get(), eval_args(reap_script, {std::to_string(batch)}));
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            lost(r ? "a presence script failed" : redis_->errstr);
            return gone;
        }
        for (std::size_t i = 0; i + 1 < r->elements; i += 2) {
            gone.emplace_back(text_of(r->element[i]), text_of(r->element[i + 1]));
        }
        // A whole batch went: more may have expired. Otherwise the rest waits a round.
        if (r->elements / 2 < batch) return gone;
    }
}

}  // namespace parlor::bus
