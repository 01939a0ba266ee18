// The ObjectStore conformance suite: written once, run against every backend.
//
// A backend's test instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Memory, ObjectStoreConformanceTest,
//       ::testing::Values(ObjectStoreFactory{"memory", [] { ... }}),
//       ObjectStoreFactoryName);
#ifndef WARP_TESTING_OBJECT_STORE_CONFORMANCE_H_
#define WARP_TESTING_OBJECT_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "warp/object_store.h"

namespace warp {

struct ObjectStoreFactory {
  std::string name;
  // Returns a fresh, empty store (or one whose other keys the tests ignore:
  // every test writes under a unique prefix).
  std::function<std::unique_ptr<ObjectStore>()> make;
  // Whether create-only Put is enforced (s3rver ignores If-None-Match).
  bool enforces_create_only = true;
  // Whether an overwrite is atomic for concurrent readers (s3rver writes
  // objects in place, so a reader can see a mix of two versions).
  bool atomic_overwrite = true;
  // Whether a key can be an object and the folder of other keys at once
  // ("a" and "a/b"): true for S3 and memory; false for the local folder,
  // whose Put then fails with FailedPrecondition.
  bool allows_file_and_folder_keys = true;
};

// Prints the factory by name in test output.
inline void PrintTo(const ObjectStoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

std::string ObjectStoreFactoryName(
    const ::testing::TestParamInfo<ObjectStoreFactory>& info);

class ObjectStoreConformanceTest
    : public ::testing::TestWithParam<ObjectStoreFactory> {
 protected:
  void SetUp() override;

  // A key under this test's own prefix.
  std::string Key(absl::string_view name) const;

  std::unique_ptr<ObjectStore> store_;
  std::string prefix_;
};

}  // namespace warp

#endif  // WARP_TESTING_OBJECT_STORE_CONFORMANCE_H_
