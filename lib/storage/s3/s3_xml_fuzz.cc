// libFuzzer target for the S3 XML reader (s3_xml.h). Not a Bazel target: a
// script builds it with clang, for example
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     lib/storage/s3/s3_xml_fuzz.cc lib/storage/s3/s3_xml.cc -labsl_status \
//     -labsl_strings -labsl_time -labsl_time_zone ... -o /tmp/s3_xml_fuzz
//   /tmp/s3_xml_fuzz -max_total_time=60
//
// Each input is fed to the three document parsers (which must never crash,
// hang or read out of bounds) and, as a key, through BuildDeleteObjectsRequest
// and back through XmlDocument::Parse, which must return it unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/storage/s3/s3_xml.h"

namespace {

// Aborts the run (a libFuzzer finding) unless `key` survives a round trip.
void CheckDeleteRequestRoundTrip(std::string_view key) {
  // U+0000 cannot be represented in XML; see XmlEscape.
  if (key.find('\0') != std::string_view::npos) return;
  const std::vector<std::string> keys = {std::string(key)};
  absl::StatusOr<warp::s3::XmlDocument> doc = warp::s3::XmlDocument::Parse(
      warp::s3::BuildDeleteObjectsRequest(keys, /*quiet=*/true));
  if (!doc.ok()) __builtin_trap();
  const warp::s3::XmlElement* object = doc->FindChild(doc->root(), "Object");
  if (object == nullptr) __builtin_trap();
  if (doc->ChildText(*object, "Key") != key) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)warp::s3::ParseS3Error(input);
  (void)warp::s3::ParseListObjectsV2(input);
  (void)warp::s3::ParseDeleteObjectsResult(input);
  CheckDeleteRequestRoundTrip(input);
  return 0;
}
