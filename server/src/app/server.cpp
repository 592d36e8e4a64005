#include "app/server.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "api/services.hpp"
#include "auth/ice_servers.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/secret.hpp"
#include "auth/token_service.hpp"
#include "blobs/local_blob_store.hpp"
#include "blobs/s3_blob_store.hpp"
#include "common/crypto.hpp"
#include "files/file_service.hpp"
#include "files/room_retention.hpp"
#include "bus/redis_bus.hpp"
#include "bus/redis_presence.hpp"
#include "common/random.hpp"
#include "common/blocking.hpp"
#include "net/connection_limits.hpp"
#include "net/listener.hpp"
#include "net/metrics_listener.hpp"
#include "net/static_files.hpp"
#include "net/tls.hpp"
#include "bus/bus.hpp"
#include "realtime/call_report.hpp"
#include "realtime/hub.hpp"
#include "realtime/realtime_service.hpp"
#include "rooms/call_service.hpp"
#include "rooms/chat_service.hpp"
#include "rooms/room_service.hpp"
#include "store/sql_store.hpp"

namespace parlor::app {
namespace {

auth::ice_settings ice_settings_from(const config& cfg) {
    return {cfg.stun_urls, cfg.turn_urls, cfg.turn_secret,
            std::chrono::seconds(cfg.turn_ttl_seconds),
            auth::parse_policy(cfg.ice_transport_policy).value_or(auth::ice_transport_policy::all)};
}

blobs::s3_config s3_config_from(const config& cfg) {
    return {cfg.s3_endpoint,      cfg.s3_region,        cfg.s3_bucket,
            cfg.s3_path_style,    cfg.s3_access_key_id, cfg.s3_secret_access_key,
            cfg.s3_session_token, cfg.s3_prefix};
}

// The data directory holds room codes (enough to join a room), the token secret and every
// file: only parlor's own user may enter it. Created 0700 (the umask makes every file in
// it 0600, SQLite's -wal and -shm included); one that others can read or enter is refused.
void prepare_data_dir(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);  // 0777 & ~077
    struct ::stat info {};
    if (::stat(dir.c_str(), &info) != 0) {
        throw std::runtime_error("cannot read " + dir.string() + ": " + std::strerror(errno));
    }
    if ((info.st_mode & 077) != 0) {
        throw std::runtime_error("the data directory " + dir.string() +
                                 " can be read or entered by other users; run chmod 700 " +
                                 dir.string());
    }
}

// The periodic clean-up, at startup and then every `interval`: prepared uploads nobody
// completed are forgotten, bytes and all, once their link expires, and rooms idle past
// their retention are deleted with their files.
asio::awaitable<void> sweep_periodically(files::file_service& files,
                                         files::room_retention& retention,
                                         asio::thread_pool& blocking, asio::steady_timer& timer,
                                         std::chrono::seconds interval,
                                         const std::atomic<bool>& stopping) {
    while (!stopping) {
        try {
            auto swept = co_await run_blocking(blocking, [&] { return files.sweep_expired(); });
            if (swept > 0) {
                spdlog::info(
                    nlohmann::json{{"event", "expired_uploads_removed"}, {"count", swept}}.dump());
            }
        } catch (const std::exception& e) {
            spdlog::warn("removing expired uploads failed: {}", e.what());
        }
        try {
            auto rooms = co_await run_blocking(blocking, [&] { return retention.sweep(); });
            if (rooms > 0) {
                spdlog::info(
                    nlohmann::json{{"event", "expired_rooms_removed"}, {"count", rooms}}.dump());
            }
        } catch (const std::exception& e) {
            spdlog::warn("removing expired rooms failed: {}", e.what());
        }
        if (stopping) break;
        timer.expires_after(interval);
        beast::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

std::chrono::seconds retention_of(const config& cfg) {
    if (cfg.room_retention_seconds > 0) return std::chrono::seconds(cfg.room_retention_seconds);
    return std::chrono::hours(24 * cfg.room_retention_days);
}

}  // namespace

int run_server(const config& cfg) {
    // Before anything is created: files 0600, directories 0700.
    ::umask(077);

    // Before anything opens files: every connection, database handle and file needs one.
    auto descriptors = net::raise_descriptor_limit();
    auto fitting_connections = net::connections_for_descriptors(descriptors, cfg.db_threads);
    net::connection_limiter connection_limits(cfg.max_connections > 0
                                                  ? static_cast<std::size_t>(cfg.max_connections)
                                                  : fitting_connections,
                                              static_cast<std::size_t>(cfg.max_connections_per_ip));
    spdlog::info(nlohmann::json{{"event", "connection_limits"},
                                {"descriptor_limit", descriptors},
                                {"max_connections", connection_limits.max_connections()},
                                {"max_connections_per_ip", connection_limits.max_per_client()},
                                {"header_timeout_seconds", cfg.header_timeout_seconds},
                                {"trusted_proxies", cfg.trusted_proxies}}
                     .dump());
    if (connection_limits.max_connections() > fitting_connections) {
        spdlog::warn(
            "--max-connections {} is more than the descriptor limit ({}) leaves room for "
            "(about {}): the server may run out of descriptors; raise the limit (systemd: "
            "LimitNOFILE=)",
            connection_limits.max_connections(), descriptors, fitting_connections);
    }

    std::filesystem::path data_dir(cfg.data_dir);
    prepare_data_dir(data_dir);

    system_clock clock;
    auto location = store::database_location::parse(cfg.effective_database_url());
    store::sql_store metadata(location, static_cast<std::size_t>(cfg.db_threads));
    int migrated = metadata.migrate();
    spdlog::info(nlohmann::json{
        {"event", "metadata_store"},
        {"database", location.describe()},
        {"migrations_applied",
         migrated}}.dump());
    if (location.is_postgres() && cfg.token_secret.empty()) {
        spdlog::warn(
            "PostgreSQL without --token-secret: this instance signs with the secret in its own "
            "data directory, so other instances sharing the database will refuse its tokens; "
            "give every instance the same --token-secret");
    }
    auto secret = auth::load_or_create_secret(cfg.token_secret, data_dir);
    auth::token_service tokens(secret, clock, std::chrono::seconds(cfg.token_ttl_seconds));
    // File links get a key of their own, derived so that there is no second secret to keep.
    std::unique_ptr<blobs::blob_store> blob_store;
    blobs::local_blob_store* local_blobs = nullptr;  // parlor serves its links
    std::string file_store_origin;                   // browsers reach it directly
    if (cfg.file_store == "s3") {
        auto s3 = std::make_unique<blobs::s3_blob_store>(s3_config_from(cfg), clock);
        file_store_origin = s3->browser_origin();
        blob_store = std::move(s3);
    } else {
        auto local = std::make_unique<blobs::local_blob_store>(
            data_dir / "files", hmac_sha256(secret, "parlor file links v1"), clock);
        local_blobs = local.get();
        blob_store = std::move(local);
    }
    files::file_limits file_limits{.max_file_bytes = cfg.max_file_bytes,
                                   .upload_ttl = std::chrono::seconds(cfg.upload_link_seconds),
                                   .download_ttl = std::chrono::seconds(cfg.download_link_seconds),
                                   .room_max_files = cfg.room_max_files,
                                   .room_max_bytes = static_cast<std::int64_t>(cfg.room_max_bytes),
                                   .min_free_disk = cfg.min_free_disk_bytes,
                                   .prepares_per_minute = cfg.prepare_per_minute,
                                   .blocked_types = cfg.blocked_file_types};
    parlor::metrics counts;  // exported on --metrics-address
    files::file_service files(metadata, *blob_store, clock, file_limits, counts);
    // The sockets held here, and each member's relay budget.
    realtime::hub sockets(realtime::relay_allowance::per_second(cfg.ws_relay_bytes_per_second),
                          counts);
    // Who is online: in this process, or through Redis on every instance (--redis-url).
    auto instance = random_hex(8);
    std::unique_ptr<bus::presence> online;
    if (cfg.redis_url.empty()) {
        online = std::make_unique<bus::local_presence>();
    } else {
        online = std::make_unique<bus::redis_presence>(
            bus::redis_location::parse(cfg.redis_url), instance,
            std::chrono::seconds(cfg.presence_ttl_seconds));
    }
    files::room_retention retention(metadata, *blob_store, *online, clock, retention_of(cfg));
    rooms::call_service calls(metadata, clock, cfg.call_capacity, counts);
    rooms::room_service rooms(metadata, tokens, *online, calls, clock, cfg.blocked_file_types);
    rooms::chat_service chat(metadata, clock,
                             {.messages_per_minute = cfg.chat_messages_per_minute,
                              .room_max_messages = cfg.room_max_messages});
    auth::rate_limiter room_creates(cfg.room_create_per_minute, clock);
    auth::rate_limiter joins(cfg.join_per_minute, clock);
    auth::rate_limiter client_errors(cfg.client_errors_per_minute, clock);
    // One provider for REST and sockets: each member gets TURN credentials of their own.
    auth::ice_server_provider ice_servers(ice_settings_from(cfg), clock);

    asio::io_context io(cfg.threads);
    asio::thread_pool blocking(static_cast<std::size_t>(cfg.db_threads));

    // Room events: in this process, or through Redis to every instance (--redis-url).
    std::unique_ptr<bus::event_bus> event_bus;
    bus::redis_bus* redis = nullptr;
    if (!cfg.redis_url.empty()) {
        auto shared = std::make_unique<bus::redis_bus>(
            io, bus::redis_location::parse(cfg.redis_url), instance);
        redis = shared.get();
        event_bus = std::move(shared);
        spdlog::info(
            nlohmann::json{{"event", "bus"}, {"kind", "redis"}, {"instance", instance}}.dump());
    } else {
        event_bus = std::make_unique<bus::in_process_bus>();
    }
    auto& events = *event_bus;
    events.subscribe([&sockets](const bus::room_event& e) { sockets.deliver(e); });
    realtime::socket_limits limits;
    limits.messages_per_second = cfg.ws_messages_per_second;
    limits.max_queued_frames = cfg.ws_max_queued_frames;
    limits.max_queued_bytes = cfg.ws_max_queued_bytes;
    limits.join_deadline = std::chrono::seconds(cfg.ws_join_deadline_seconds);
    limits.ping_interval = std::chrono::seconds(cfg.ws_ping_interval_seconds);
    limits.silence_limit = std::chrono::seconds(cfg.ws_silence_limit_seconds);
    realtime::realtime_service realtime(io, blocking, rooms, calls, chat, events, sockets, *online,
                                        ice_servers, counts,
                                        std::chrono::seconds(cfg.call_grace_seconds), limits);
    rooms.notify(realtime);  // leaving over REST reaches the sockets too
    files.notify(realtime);  // file:added
    realtime.resume_calls();
    if (redis) redis->start();

    api::services deps{rooms,
                       metadata,
                       *blob_store,
                       room_creates,
                       joins,
                       client_errors,
                       blocking,
                       ice_servers,
                       files,
                       chat,
                       cfg.public_origins.empty() ? std::string() : cfg.public_origins.front(),
                       counts,
                       redis};
    api::router routes;
    api::add_health_routes(routes, deps);
    api::add_room_routes(routes, deps);
    api::add_file_routes(routes, deps);
    api::add_chat_routes(routes, deps);
    api::add_client_error_routes(routes, deps);

    net::static_files web_client(cfg.static_dir, file_store_origin);
    if (!web_client.available()) {
        spdlog::warn("no web client in {} (build it with `make build`); serving the API only",
                     cfg.static_dir);
    }
    net::http_handlers handlers{routes,
                                web_client,
                                realtime,
                                cfg.effective_public_origins(),
                                cfg.max_json_body_bytes,
                                local_blobs,
                                [&files](std::string_view key) { return files.upload_wanted(key); },
                                blocking,
                                net::trusted_proxies::parse(cfg.trusted_proxies),
                                std::chrono::seconds(cfg.header_timeout_seconds),
                                counts};
    // Built-in TLS: every connection on the port speaks it; SIGHUP reads the files again.
    std::optional<net::tls_identity> tls;
    if (!cfg.tls_cert.empty()) {
        tls.emplace(cfg.tls_cert, cfg.tls_key);
        handlers.tls = &*tls;
        spdlog::info(nlohmann::json{{"event", "tls"}, {"certificate", tls->describe()}}.dump());
    }
    asio::signal_set reload_signal(io, SIGHUP);
    std::function<void()> await_reload = [&] {
        reload_signal.async_wait([&](const beast::error_code& ec, int) {
            if (ec) return;
            if (tls) {
                std::string why;
                if (tls->reload(why)) {
                    spdlog::info(
                        nlohmann::json{{"event", "tls_reloaded"}, {"certificate", tls->describe()}}
                            .dump());
                } else {
                    spdlog::error(nlohmann::json{{"event", "tls_reload_failed"},
                                                 {"reason", why},
                                                 {"certificate", tls->describe()}}
                                      .dump());
                }
            }
            await_reload();
        });
    };
    await_reload();
    net::listener listener(io, {asio::ip::make_address(cfg.host), cfg.port}, handlers,
                           connection_limits);
    listener.start();
    auto bound = listener.local_endpoint();
    if (cfg.public_origins.empty() && cfg.port == 0) {
        auto picked = cfg;
        picked.port = bound.port();
        handlers.allowed_origins = picked.effective_public_origins();
    }
    spdlog::info(nlohmann::json{
        {"event", "listening"},
        {"address", bound.address().to_string()},
        {"port", bound.port()},
        {"url", std::string(tls ? "https://" : "http://") +
                    (bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string()) +
                    ":" + std::to_string(bound.port())},
        {"version", PARLOR_VERSION},
        {"data_dir", cfg.data_dir}}
                     .dump());

    // Prometheus reads the figures on an address of its own. The active calls are the
    // database's count; while it cannot be read, the last one stands.
    std::optional<net::metrics_listener> metrics_listener;
    std::atomic<std::int64_t> calls_active = 0;
    if (!cfg.metrics_address.empty()) {
        auto colon = cfg.metrics_address.rfind(':');
        auto host = cfg.metrics_address.substr(0, colon);
        if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
        auto port = static_cast<unsigned short>(std::stoi(cfg.metrics_address.substr(colon + 1)));
        metrics_listener.emplace(io, tcp::endpoint(asio::ip::make_address(host), port),
                                 [&]() -> asio::awaitable<std::string> {
                                     try {
                                         calls_active = co_await run_blocking(
                                             blocking,
                                             [&metadata] { return metadata.count_active_calls(); });
                                     } catch (const std::exception&) {
                                         // Logged by the store; /api/health says so too.
                                     }
                                     co_return counts.exposition(calls_active);
                                 });
        metrics_listener->start();
        auto metrics_bound = metrics_listener->local_endpoint();
        spdlog::info(nlohmann::json{{"event", "metrics_listening"},
                                    {"address", metrics_bound.address().to_string()},
                                    {"port", metrics_bound.port()}}
                         .dump());
    }

    // SIGINT/SIGTERM: stop accepting and close idle connections; the io_context runs out
    // of work and returns once the in-flight requests are answered, or the grace period
    // ends and forces it.
    std::atomic<bool> stopping = false;
    asio::steady_timer sweep_timer(io);
    asio::co_spawn(io,
                   sweep_periodically(files, retention, blocking, sweep_timer,
                                      std::chrono::seconds(cfg.sweep_interval_seconds), stopping),
                   asio::detached);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info(nlohmann::json{{"event", "shutting_down"}, {"signal", signal}}.dump());
        stopping = true;
        sweep_timer.cancel();
        reload_signal.cancel();
        listener.stop();
        if (metrics_listener) metrics_listener->stop();
        if (redis) redis->stop();
        realtime.close_all();
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto deadline = std::chrono::steady_clock::now() +
                                std::chrono::seconds(cfg.shutdown_grace_seconds);
                asio::steady_timer poll(io);
                while (listener.open_connections() + realtime.open_sockets() > 0 &&
                       std::chrono::steady_clock::now() < deadline) {
                    poll.expires_after(std::chrono::milliseconds(20));
                    co_await poll.async_wait(asio::use_awaitable);
                }
                if (auto open = listener.open_connections() + realtime.open_sockets(); open > 0) {
                    spdlog::warn("{} connection(s) still open after the grace period; closing",
                                 open);
                    io.stop();
                }
            },
            asio::detached);
    });

    std::vector<std::thread> network_threads;
    for (int i = 1; i < cfg.threads; ++i) network_threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : network_threads) t.join();
    blocking.join();  // database work already handed out finishes before the store closes
    spdlog::info(nlohmann::json{{"event", "stopped"}}.dump());
    return 0;
}

}  // namespace parlor::app
