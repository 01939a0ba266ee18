// Internal construction of the S3 store with an injected HTTP transport, so
// tests can put a fake or faulty server under the real S3 logic.
#ifndef WARP_LIB_STORAGE_S3_S3_OBJECT_STORE_H_
#define WARP_LIB_STORAGE_S3_S3_OBJECT_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/http/http_transport.h"
#include "warp/s3_object_store.h"

namespace warp::s3 {

absl::StatusOr<std::unique_ptr<ObjectStore>> NewS3ObjectStore(
    const S3Options& options, std::unique_ptr<http::HttpTransport> transport);

}  // namespace warp::s3

#endif  // WARP_LIB_STORAGE_S3_S3_OBJECT_STORE_H_
