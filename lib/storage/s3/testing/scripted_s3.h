// Helpers shared by the S3 tests against scripted servers: options for a
// store on a FakeHttpServer, scripted S3 error bodies, MD5 ETags. Test-only.
#ifndef WARP_LIB_STORAGE_S3_TESTING_SCRIPTED_S3_H_
#define WARP_LIB_STORAGE_S3_TESTING_SCRIPTED_S3_H_

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/storage/s3/testing/fake_http_server.h"
#include "warp/s3_object_store.h"

namespace warp::s3::testing {

inline std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_md5(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), n));
}

inline std::string ErrorXml(const std::string& code) {
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>", code,
      "</Code><Message>scripted ", code, "</Message><RequestId>R1</RequestId></Error>");
}

inline S3Options OptionsFor(const FakeHttpServer& server) {
  S3Options options;
  options.bucket = "bucket";
  options.endpoint = server.endpoint();
  options.path_style = true;
  options.access_key_id = "AKIDEXAMPLE";
  options.secret_access_key = "secret";
  options.max_attempts = 3;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(5);
  return options;
}

inline std::unique_ptr<ObjectStore> Open(const S3Options& options) {
  auto store = OpenS3ObjectStore(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

}  // namespace warp::s3::testing

#endif  // WARP_LIB_STORAGE_S3_TESTING_SCRIPTED_S3_H_
