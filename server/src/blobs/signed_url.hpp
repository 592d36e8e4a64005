#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"

namespace parlor::blobs {

// Links to objects that parlor itself serves (the local store):
//   /blobs/<key>?<name>=<value>…&expires=<unix seconds>&sig=<hex>
// `sig` is HMAC-SHA256 over the method, the key, and every other parameter (sorted by
// name), so a link works for one method on one object, with the parameters it was
// issued with (an upload's size, a download's filename), until it expires.
class url_signer {
  public:
    using params = std::map<std::string, std::string>;

    explicit url_signer(std::string key);

    // A path (with query) on parlor's own origin.
    std::string sign(std::string_view method, std::string_view object_key, params signed_params,
                     millis expires_at) const;

    // The link's parameters (without expires and sig), if the query is a valid, unexpired
    // signature for this method and key. Throws parlor::error(forbidden) otherwise, saying
    // whether the link expired or is not valid.
    params verify(std::string_view method, std::string_view object_key, std::string_view query,
                  millis now) const;

  private:
    std::string signature(std::string_view method, std::string_view object_key,
                          const params& all) const;

    std::string key_;
};

// Percent-encoding for query values (RFC 3986 unreserved characters stay as they are).
std::string percent_encode(std::string_view value);
// Strict decoding: nullopt for a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view value);

}  // namespace parlor::blobs
