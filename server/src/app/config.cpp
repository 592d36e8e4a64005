#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>

#include "app/config_checks.hpp"

namespace parlor::app {

std::string config::effective_database_url() const {
    if (!database_url.empty()) return database_url;
    return "sqlite:" + data_dir + "/parlor.db";
}

std::vector<std::string> config::effective_public_origins() const {
    if (!public_origins.empty()) return public_origins;
    auto p = std::to_string(port);
    std::string scheme = tls_cert.empty() ? "http://" : "https://";
    return {scheme + "localhost:" + p, scheme + "127.0.0.1:" + p};
}

std::optional<config> parse_config(int argc, char** argv, int& exit_code) {
    config c;
    CLI::App cli{
        "Parlor: a self-hosted meeting room (rooms, shared files, mesh video calls).\n"
        "Every flag has an environment-variable twin, shown as (Env:...)."};
    cli.set_version_flag("--version", std::string("parlor ") + PARLOR_VERSION);
    cli.get_formatter()->column_width(40);

    auto& net = *cli.add_option_group("Network");
    net.add_option("--host", c.host, "Address to listen on")
        ->envname("PARLOR_HOST")
        ->capture_default_str();
    net.add_option("--port", c.port, "TCP port to listen on (0 picks a free one)")
        ->envname("PARLOR_PORT")
        ->capture_default_str();
    net.add_option("--public-origin", c.public_origins,
                   "Browser origin allowed to open sockets; repeat or comma-separate "
                   "(default: http://localhost:PORT and http://127.0.0.1:PORT; https:// with "
                   "--tls-cert)")
        ->envname("PARLOR_PUBLIC_ORIGIN")
        ->delimiter(',');
    net.add_option("--trusted-proxy", c.trusted_proxies,
                   "Reverse proxies (addresses or CIDR blocks, IPv4 or IPv6) whose "
                   "X-Forwarded-For names the client; repeat or comma-separate (default: none, "
                   "the TCP peer is the client)")
        ->envname("PARLOR_TRUSTED_PROXY")
        ->delimiter(',')
        ->transform(cidr_block());
    net.add_option("--max-connections", c.max_connections,
                   "Connections open at once, WebSockets included (0: as many as the "
                   "descriptor limit allows, keeping a reserve)")
        ->envname("PARLOR_MAX_CONNECTIONS")
        ->check(CLI::Range(0, 10'000'000))
        ->capture_default_str();
    net.add_option("--max-connections-per-ip", c.max_connections_per_ip,
                   "Connections one client IP (an IPv6 /64) may hold, WebSockets included; "
                   "trusted proxies are exempt (0: no limit)")
        ->envname("PARLOR_MAX_CONNECTIONS_PER_IP")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    net.add_option("--header-timeout", c.header_timeout_seconds,
                   "Seconds a request head may take to arrive, from the connection's start or "
                   "its first byte; longer: the connection is closed")
        ->envname("PARLOR_HEADER_TIMEOUT")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    auto* tls_cert = net.add_option("--tls-cert", c.tls_cert,
                                    "PEM certificate (with its chain) to serve HTTPS and WSS "
                                    "directly, e.g. on a LAN; reloaded on SIGHUP (needs --tls-key)")
                         ->envname("PARLOR_TLS_CERT")
                         ->check(CLI::ExistingFile);
    auto* tls_key =
        net.add_option("--tls-key", c.tls_key, "PEM private key of --tls-cert; reloaded on SIGHUP")
            ->envname("PARLOR_TLS_KEY")
            ->check(CLI::ExistingFile);
    tls_cert->needs(tls_key);
    tls_key->needs(tls_cert);
    net.add_option("--metrics-address", c.metrics_address,
                   "HOST:PORT for Prometheus metrics at /metrics, e.g. 127.0.0.1:9464 or "
                   "[::1]:9464; a listener of its own, never the public port (default: off)")
        ->envname("PARLOR_METRICS_ADDRESS")
        ->check(host_and_port());
    net.add_option("--threads", c.threads, "Network threads")
        ->envname("PARLOR_THREADS")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();

    auto& storage = *cli.add_option_group("Storage");
    storage
        .add_option("--data-dir", c.data_dir,
                    "Directory for the SQLite file, uploaded files and the token secret")
        ->envname("PARLOR_DATA_DIR")
        ->capture_default_str();
    storage
        .add_option("--database-url", c.database_url,
                    "Metadata database: sqlite:PATH or postgresql://user:password@host:port/dbname "
                    "(default: sqlite:<data-dir>/parlor.db)")
        ->envname("PARLOR_DATABASE_URL");
    storage
        .add_option("--redis-url", c.redis_url,
                    "Redis for room events between instances, redis://[:password@]host[:port][/db] "
                    "(default: none, one instance)")
        ->envname("PARLOR_REDIS_URL")
        ->check(url_with_scheme({"redis://"}));
    storage
        .add_option("--presence-ttl", c.presence_ttl_seconds,
                    "With --redis-url: seconds an instance's word that a member is online lasts "
                    "(renewed every third of it); the members of an instance that dies go "
                    "offline within this")
        ->envname("PARLOR_PRESENCE_TTL")
        ->check(CLI::Range(3, 600))
        ->capture_default_str();
    storage.add_option("--db-threads", c.db_threads, "Threads (and connections) for database work")
        ->envname("PARLOR_DB_THREADS")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();

    auto& web = *cli.add_option_group("Web client");
    web.add_option("--static-dir", c.static_dir, "Directory of the built web client")
        ->envname("PARLOR_STATIC_DIR")
        ->capture_default_str();

    auto& limits = *cli.add_option_group("Limits");
    limits
        .add_option("--room-create-per-minute", c.room_create_per_minute,
                    "Rooms one client IP may create a minute (0: no limit)")
        ->envname("PARLOR_ROOM_CREATE_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    limits
        .add_option("--join-per-minute", c.join_per_minute,
                    "Joins one client IP may make a minute (0: no limit)")
        ->envname("PARLOR_JOIN_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    limits
        .add_option("--chat-messages-per-minute", c.chat_messages_per_minute,
                    "Chat messages one member may send a minute (0: no limit)")
        ->envname("PARLOR_CHAT_MESSAGES_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    limits
        .add_option("--room-max-messages", c.room_max_messages, "Chat messages one room may hold")
        ->envname("PARLOR_ROOM_MAX_MESSAGES")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    limits
        .add_option("--client-errors-per-minute", c.client_errors_per_minute,
                    "Error reports one member's browser may send a minute (0: no limit)")
        ->envname("PARLOR_CLIENT_ERRORS_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    limits
        .add_option("--max-json-body", c.max_json_body_bytes, "Largest JSON request body in bytes")
        ->envname("PARLOR_MAX_JSON_BODY")
        ->check(CLI::Range(1024, 16 * 1024 * 1024))
        ->capture_default_str();

    auto& identity = *cli.add_option_group("Identity");
    identity
        .add_option("--token-secret", c.token_secret,
                    "HS256 secret for guest tokens, at least 32 characters "
                    "(default: generated once into <data-dir>/token-secret)")
        ->envname("PARLOR_TOKEN_SECRET");
    identity
        .add_option("--token-ttl", c.token_ttl_seconds,
                    "Guest token lifetime in seconds (sockets close when it ends; values under a "
                    "minute are for tests)")
        ->envname("PARLOR_TOKEN_TTL")
        ->check(CLI::Range(2, 30 * 24 * 3600))
        ->capture_default_str();

    auto& media = *cli.add_option_group("Calls");
    media
        .add_option("--call-capacity", c.call_capacity,
                    "People one call can hold (mesh: keep it small)")
        ->envname("PARLOR_CALL_CAPACITY")
        ->check(CLI::Range(2, 16))
        ->capture_default_str();
    media
        .add_option("--call-grace", c.call_grace_seconds,
                    "Seconds a caller whose connection dropped keeps their place in the call")
        ->envname("PARLOR_CALL_GRACE")
        ->check(CLI::Range(0, 600))
        ->capture_default_str();
    limits
        .add_option("--ws-messages-per-second", c.ws_messages_per_second,
                    "Messages one socket may send a second, bursts of twice that (0: no limit)")
        ->envname("PARLOR_WS_MESSAGES_PER_SECOND")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    limits
        .add_option("--ws-relay-bytes-per-second", c.ws_relay_bytes_per_second,
                    "Signal bytes one member may have relayed to others a second, bursts of four "
                    "times that; past it signals are refused with rate_limited (0: no limit)")
        ->envname("PARLOR_WS_RELAY_BYTES_PER_SECOND")
        ->check(CLI::Validator(
            [](const std::string& value) -> std::string {
                // A burst (four seconds' worth) must hold the largest frame, 64 KiB.
                std::uint64_t bytes = 0;
                auto [end, failure] =
                    std::from_chars(value.data(), value.data() + value.size(), bytes);
                if (failure == std::errc() && end == value.data() + value.size() &&
                    (bytes == 0 || bytes >= 32 * 1024)) {
                    return {};
                }
                return "'" + value + "' is not 0 (no limit) or a number of bytes from 32768";
            },
            "0 or >= 32768"))
        ->capture_default_str();
    limits
        .add_option("--ws-max-queued-frames", c.ws_max_queued_frames,
                    "Frames a socket's reader may fall behind before it is disconnected")
        ->envname("PARLOR_WS_MAX_QUEUED_FRAMES")
        ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 20))
        ->capture_default_str();
    limits
        .add_option("--ws-max-queued-bytes", c.ws_max_queued_bytes,
                    "Bytes a socket's reader may fall behind before it is disconnected (a "
                    "room:state answering its own room:join does not count)")
        ->envname("PARLOR_WS_MAX_QUEUED_BYTES")
        ->check(CLI::Range(std::size_t{64} * 1024, std::size_t{1} << 30))
        ->capture_default_str();
    limits
        .add_option("--ws-join-deadline", c.ws_join_deadline_seconds,
                    "Seconds a new socket has to send room:join before it is closed")
        ->envname("PARLOR_WS_JOIN_DEADLINE")
        ->check(CLI::Range(1, 300))
        ->capture_default_str();
    limits
        .add_option("--ws-ping-interval", c.ws_ping_interval_seconds,
                    "Seconds between the server's pings on a socket")
        ->envname("PARLOR_WS_PING_INTERVAL")
        ->check(CLI::Range(1, 300))
        ->capture_default_str();
    limits
        .add_option("--ws-silence-limit", c.ws_silence_limit_seconds,
                    "Seconds without a frame or pong after which a socket is dropped (longer "
                    "than --ws-ping-interval)")
        ->envname("PARLOR_WS_SILENCE_LIMIT")
        ->check(CLI::Range(2, 3600))
        ->capture_default_str();
    media
        .add_option("--stun-url", c.stun_urls,
                    "STUN server URL handed to browsers (stun: or stuns:); repeat or "
                    "comma-separate")
        ->envname("PARLOR_STUN_URL")
        ->delimiter(',')
        ->transform(url_with_scheme({"stun:", "stuns:"}));
    media
        .add_option("--turn-url", c.turn_urls,
                    "TURN server URL handed to browsers with short-lived credentials (turn: or "
                    "turns:); repeat or comma-separate; needs --turn-secret")
        ->envname("PARLOR_TURN_URL")
        ->delimiter(',')
        ->transform(url_with_scheme({"turn:", "turns:"}));
    media
        .add_option("--turn-secret", c.turn_secret,
                    "Shared secret of the TURN servers (coturn's static-auth-secret, with "
                    "use-auth-secret)")
        ->envname("PARLOR_TURN_SECRET");
    media.add_option("--turn-ttl", c.turn_ttl_seconds, "Seconds a TURN credential stays valid")
        ->envname("PARLOR_TURN_TTL")
        ->check(CLI::Range(60, 30 * 24 * 3600))
        ->capture_default_str();
    media
        .add_option("--ice-transport-policy", c.ice_transport_policy,
                    "all, or relay (browsers use TURN only; needs --turn-url)")
        ->envname("PARLOR_ICE_TRANSPORT_POLICY")
        ->check(CLI::IsMember({"all", "relay"}))
        ->capture_default_str();

    auto& files = *cli.add_option_group("Files");
    files
        .add_option("--max-file-bytes", c.max_file_bytes,
                    "Largest file a member may upload, in bytes (default 100 MiB)")
        ->envname("PARLOR_MAX_FILE_BYTES")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{5} << 40))
        ->capture_default_str();
    files
        .add_option("--upload-link-ttl", c.upload_link_seconds,
                    "Seconds a signed upload link stays valid")
        ->envname("PARLOR_UPLOAD_LINK_TTL")
        ->check(CLI::Range(3, 7 * 24 * 3600))
        ->capture_default_str();
    files
        .add_option("--download-link-ttl", c.download_link_seconds,
                    "Seconds a signed download link stays valid")
        ->envname("PARLOR_DOWNLOAD_LINK_TTL")
        ->check(CLI::Range(3, 7 * 24 * 3600))
        ->capture_default_str();

    files
        .add_option("--room-max-files", c.room_max_files,
                    "Files one room may hold (uploads under way count too)")
        ->envname("PARLOR_ROOM_MAX_FILES")
        ->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    files
        .add_option("--room-max-bytes", c.room_max_bytes,
                    "Bytes of files one room may hold, uploads under way included (default 2 GiB)")
        ->envname("PARLOR_ROOM_MAX_BYTES")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50))
        ->capture_default_str();
    files
        .add_option("--min-free-disk", c.min_free_disk_bytes,
                    "Bytes the data directory's disk keeps free: below it uploads are refused "
                    "(default 1 GiB; 0: no floor)")
        ->envname("PARLOR_MIN_FREE_DISK")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 62))
        ->capture_default_str();
    files
        .add_option("--prepare-per-minute", c.prepare_per_minute,
                    "Uploads one member may start a minute (0: no limit)")
        ->envname("PARLOR_PREPARE_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    files
        .add_option("--blocked-file-types", c.blocked_file_types,
                    "File types uploads refuse: extensions (.exe), MIME types "
                    "(application/x-msdownload) or families (video/*); repeat or "
                    "comma-separate (default: none)")
        ->envname("PARLOR_BLOCKED_FILE_TYPES")
        ->delimiter(',')
        ->transform(file_type());
    files
        .add_option("--room-retention-days", c.room_retention_days,
                    "Days a room may go without activity before it is deleted with its files "
                    "(0: keep rooms)")
        ->envname("PARLOR_ROOM_RETENTION_DAYS")
        ->check(CLI::Range(0, 100 * 366))
        ->capture_default_str();
    // For tests: retention in seconds, so that a test need not wait for days. Not in --help.
    cli.add_option("--room-retention-seconds", c.room_retention_seconds)
        ->envname("PARLOR_ROOM_RETENTION_SECONDS")
        ->check(CLI::Range(0, 3650 * 86400))
        ->group("");
    files
        .add_option("--sweep-interval", c.sweep_interval_seconds,
                    "Seconds between sweeps for expired uploads and rooms past their retention")
        ->envname("PARLOR_SWEEP_INTERVAL")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();

    files
        .add_option("--file-store", c.file_store,
                    "Where file bytes live: local (the data directory) or s3")
        ->envname("PARLOR_FILE_STORE")
        ->check(CLI::IsMember({"local", "s3"}))
        ->capture_default_str();

    auto& s3 = *cli.add_option_group("S3 file store (with --file-store s3)");
    s3.add_option("--s3-endpoint", c.s3_endpoint,
                  "Service base URL, e.g. https://s3.eu-west-2.amazonaws.com")
        ->envname("PARLOR_S3_ENDPOINT");
    s3.add_option("--s3-region", c.s3_region, "The bucket's region (R2: auto)")
        ->envname("PARLOR_S3_REGION")
        ->capture_default_str();
    s3.add_option("--s3-bucket", c.s3_bucket, "An existing bucket")->envname("PARLOR_S3_BUCKET");
    s3.add_flag("--s3-path-style", c.s3_path_style,
                "Address objects as endpoint/bucket/key (MinIO, IP endpoints) instead of "
                "bucket.endpoint/key")
        ->envname("PARLOR_S3_PATH_STYLE");
    s3.add_option("--s3-access-key-id", c.s3_access_key_id, "Access key id")
        ->envname("PARLOR_S3_ACCESS_KEY_ID");
    s3.add_option("--s3-secret-access-key", c.s3_secret_access_key, "Secret access key")
        ->envname("PARLOR_S3_SECRET_ACCESS_KEY");
    s3.add_option("--s3-session-token", c.s3_session_token, "Session token (temporary keys only)")
        ->envname("PARLOR_S3_SESSION_TOKEN");
    s3.add_option("--s3-prefix", c.s3_prefix, "Put before every object key, e.g. parlor/")
        ->envname("PARLOR_S3_PREFIX");

    auto& ops = *cli.add_option_group("Operations");
    ops.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->envname("PARLOR_LOG_LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
        ->capture_default_str();
    ops.add_option("--shutdown-grace", c.shutdown_grace_seconds,
                   "Seconds to let in-flight requests finish on SIGINT/SIGTERM")
        ->envname("PARLOR_SHUTDOWN_GRACE")
        ->check(CLI::Range(0, 600))
        ->capture_default_str();

    try {
        cli.parse(argc, argv);
        if (!c.turn_urls.empty() && c.turn_secret.empty()) {
            throw CLI::ValidationError(
                "--turn-url",
                "needs --turn-secret (PARLOR_TURN_SECRET): TURN servers accept "
                "only credentials made with their shared secret");
        }
        if (c.ice_transport_policy == "relay" && c.turn_urls.empty()) {
            throw CLI::ValidationError(
                "--ice-transport-policy",
                "relay needs at least one --turn-url (PARLOR_TURN_URL): without TURN no call "
                "could connect");
        }
        if (c.ws_silence_limit_seconds <= c.ws_ping_interval_seconds) {
            throw CLI::ValidationError(
                "--ws-silence-limit",
                "must be longer than --ws-ping-interval: a socket that answers every ping "
                "would be dropped");
        }
        if (c.file_store == "s3") {
            for (const auto& [value, flag] :
                 {std::pair{&c.s3_endpoint, "--s3-endpoint"},
                  {&c.s3_bucket, "--s3-bucket"},
                  {&c.s3_access_key_id, "--s3-access-key-id"},
                  {&c.s3_secret_access_key, "--s3-secret-access-key"}}) {
                if (value->empty()) {
                    throw CLI::ValidationError(flag, "required with --file-store s3");
                }
            }
        }
    } catch (const CLI::ParseError& e) {
        exit_code = cli.exit(e);
        return std::nullopt;
    }
    return c;
}

}  // namespace parlor::app
