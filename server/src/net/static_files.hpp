#pragma once

#include <filesystem>
#include <variant>

#include "api/request.hpp"

namespace parlor::net {

using file_response = http::response<http::file_body>;
using static_response = std::variant<file_response, api::response>;

// Serves the built web client. Unknown paths outside /assets/ get index.html, so that deep
// links such as /r/<code> load the app (SPA fallback). Never serves outside `root`.
class static_files {
  public:
    // `file_store_origin`: where browsers send file bytes when that is not our own origin.
    explicit static_files(std::filesystem::path root, std::string file_store_origin = {});

    // False when the client has not been built (no index.html): the API still works.
    bool available() const;

    static_response serve(const api::request& req) const;

  private:
    std::filesystem::path root_;
    std::string document_policy_;
};

}  // namespace parlor::net
