// The MetadataStore conformance suite, written once and instantiated per
// journal (mem://, local://, and etcd:// when it lands). Test-only.
#ifndef WARP_TESTING_METADATA_STORE_CONFORMANCE_H_
#define WARP_TESTING_METADATA_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "warp/metadata_store.h"

namespace warp {

struct MetadataStoreFactory {
  std::string name;
  // Returns a URL for a fresh, empty store; opening it twice (after the first
  // is destroyed) must give the same store when `durable`.
  std::function<std::string()> new_url;
  bool durable = true;
};

inline void PrintTo(const MetadataStoreFactory& f, std::ostream* os) { *os << f.name; }

class MetadataStoreConformanceTest
    : public ::testing::TestWithParam<MetadataStoreFactory> {
 protected:
  void SetUp() override;
  std::unique_ptr<MetadataStore> Open();

  std::string url_;
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace warp

#endif  // WARP_TESTING_METADATA_STORE_CONFORMANCE_H_
