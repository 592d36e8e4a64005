#pragma once

namespace parlor::blobs {

// Where file bytes live. The file-transfer calls (signed upload and download URLs) join
// this interface with the files feature; today it answers the health check.
class blob_store {
  public:
    virtual ~blob_store() = default;
    // Throws parlor::error(unavailable) when the store cannot take bytes.
    virtual void check() = 0;
};

}  // namespace parlor::blobs
