#pragma once

#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "auth/ice_servers.hpp"
#include "auth/rate_limiter.hpp"
#include "blobs/blob_store.hpp"
#include "bus/bus.hpp"
#include "common/metrics.hpp"
#include "files/file_service.hpp"
#include "rooms/chat_service.hpp"
#include "rooms/room_service.hpp"
#include "store/metadata_store.hpp"

namespace parlor::api {

// What the REST handlers work with. Owned by app::server; outlives every request.
struct services {
    rooms::room_service& rooms;
    store::metadata_store& store;
    blobs::blob_store& blobs;
    auth::rate_limiter& room_creates;
    auth::rate_limiter& joins;
    auth::rate_limiter& client_errors;  // reports per member
    asio::thread_pool& blocking;
    const auth::ice_server_provider& ice_servers;  // per member: TURN credentials are personal
    files::file_service& files;
    rooms::chat_service& chat;
    std::string public_origin;  // for links on our own origin; empty: the request's Host
    parlor::metrics& metrics = parlor::metrics::unexported();
    const bus::event_bus* events = nullptr;  // null: in-process (health says "disabled")
};

void add_health_routes(router& routes, services& deps);
void add_room_routes(router& routes, services& deps);
void add_file_routes(router& routes, services& deps);
void add_chat_routes(router& routes, services& deps);
void add_client_error_routes(router& routes, services& deps);

}  // namespace parlor::api
