#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace parlor::store {

struct migration {
    int version;
    std::string_view name;
    std::vector<std::string_view> statements;
};

// Every schema change, in order. A released migration is never edited: add a new one.
std::span<const migration> all_migrations();

// Applies the migrations that `schema_migrations` does not list yet, each in its own
// transaction, and records them. Returns how many it applied (0 when up to date).
int apply_migrations(soci::session& sql, std::span<const migration> migrations);

}  // namespace parlor::store
