#include "store/database_location.hpp"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <stdexcept>

namespace parlor::store {
namespace {

// What Parlor sets unless the URL does: a connection attempt gives up after 5 s; a peer
// that vanishes without closing (a host down, a network cut) is noticed by TCP keepalives
// within about a minute; no statement holds a blocking thread longer than 30 s; and the
// server's notices ("relation already exists, skipping") stay out of Parlor's log.
const std::map<std::string, std::string> connection_defaults = {
    {"application_name", "parlor"},
    {"connect_timeout", "5"},
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"options", "-c statement_timeout=30000 -c client_min_messages=warning"},
};

std::string percent_encoded(const std::string& value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

using conninfo = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// libpq's own reading of the URL: what it will connect with, or why it cannot.
conninfo parsed_by_libpq(const std::string& url) {
    char* why = nullptr;
    conninfo options(PQconninfoParse(url.c_str(), &why), &PQconninfoFree);
    if (!options) {
        std::string reason = why ? why : "out of memory";
        PQfreemem(why);
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
            reason.pop_back();
        throw std::invalid_argument("invalid PostgreSQL URL: " + reason);
    }
    return options;
}

std::string value_of(const conninfo& options, std::string_view keyword) {
    for (auto* o = options.get(); o->keyword; ++o) {
        if (keyword == o->keyword) return o->val ? o->val : "";
    }
    return "";
}

}  // namespace

database_location database_location::parse(const std::string& url) {
    constexpr std::string_view sqlite_prefix = "sqlite:";
    if (url.starts_with(sqlite_prefix)) {
        std::string path = url.substr(sqlite_prefix.size());
        if (path.starts_with("//")) path = path.substr(2);  // sqlite:///abs/path
        if (path.empty()) throw std::invalid_argument("the SQLite database URL has no path");
        return {std::filesystem::path(path), {}};
    }
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        // SOCI reads its connection string as key=value pairs: a URL without parameters is
        // not one, but every URL here leaves with at least one (a default, or the user's own).
        auto options = parsed_by_libpq(url);
        std::string full = url;
        char separator = url.find('?') == std::string::npos ? '?' : '&';
        for (const auto& [keyword, value] : connection_defaults) {
            if (!value_of(options, keyword).empty()) continue;
            full += separator + keyword + "=" + percent_encoded(value);
            separator = '&';
        }
        parsed_by_libpq(full);  // still a URL libpq reads
        return {{}, full};
    }
    throw std::invalid_argument(
        "unknown database URL scheme; expected sqlite:PATH (for example sqlite:./data/parlor.db) "
        "or postgresql://user:password@host:port/dbname");
}

std::string database_location::describe() const {
    if (!is_postgres()) return "SQLite at " + sqlite_path.string();
    auto options = parsed_by_libpq(postgres_url);
    auto host = value_of(options, "host");
    if (host.empty()) host = value_of(options, "hostaddr");
    auto port = value_of(options, "port");
    auto dbname = value_of(options, "dbname");
    auto described = "PostgreSQL database " +
                     (dbname.empty() ? "named after the user" : "'" + dbname + "'") + " on " +
                     (host.empty() ? "the local socket" : host);
    if (!port.empty()) described += " port " + port;
    auto user = value_of(options, "user");
    if (!user.empty()) described += " as " + user;
    return described;
}

}  // namespace parlor::store
