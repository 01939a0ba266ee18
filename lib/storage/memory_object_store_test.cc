#include "warp/memory_object_store.h"

#include "warp/testing/object_store_conformance.h"

namespace warp {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, ObjectStoreConformanceTest,
                         ::testing::Values(ObjectStoreFactory{
                             "memory", [] { return NewMemoryObjectStore(); }}),
                         ObjectStoreFactoryName);

}  // namespace
}  // namespace warp
