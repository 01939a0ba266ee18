#include "lib/base/buffer_pool.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"

namespace warp {
namespace {

TEST(AlignedBufferTest, AlignedResizableMovable) {
  AlignedBuffer a(100, 8192);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % AlignedBuffer::kDefaultAlignment, 0u);
  EXPECT_EQ(a.size(), 100u);
  EXPECT_EQ(a.capacity(), 8192u);
  std::memset(a.data(), 'x', a.size());
  char* before = a.data();
  a.Resize(8000);  // within capacity: same bytes
  EXPECT_EQ(a.data(), before);
  EXPECT_EQ(a.data()[99], 'x');
  a.Resize(10000);  // beyond: a new buffer
  EXPECT_EQ(a.size(), 10000u);
  EXPECT_GE(a.capacity(), 10000u);
  AlignedBuffer b = std::move(a);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.size(), 10000u);
  AlignedBuffer empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.view().size(), 0u);
}

TEST(BufferPoolTest, SharedBuffersComeBackAndAreReused) {
  auto pool = BufferPool::Create(/*max_free=*/2, /*granularity=*/4096);
  AlignedBuffer first = pool->Take(5000);
  EXPECT_EQ(first.capacity(), 8192u);
  const char* address = first.data();
  auto shared = pool->Share(std::move(first));
  auto copy = shared;
  shared.reset();
  EXPECT_EQ(pool->free_buffers(), 0u);  // still owned
  copy.reset();
  EXPECT_EQ(pool->free_buffers(), 1u);
  // A size that fits reuses it; a larger one does not.
  AlignedBuffer again = pool->Take(6000);
  EXPECT_EQ(again.data(), address);
  EXPECT_EQ(again.size(), 6000u);
  EXPECT_EQ(pool->free_buffers(), 0u);
  AlignedBuffer larger = pool->Take(9000);
  EXPECT_NE(larger.data(), address);
  // At most max_free are kept.
  pool->Give(std::move(again));
  pool->Give(std::move(larger));
  pool->Give(AlignedBuffer(10, 4096));
  EXPECT_EQ(pool->free_buffers(), 2u);
}

TEST(BufferPoolTest, ABufferOutlivingItsPoolIsFreed) {
  std::shared_ptr<const AlignedBuffer> survivor;
  {
    auto pool = BufferPool::Create(4);
    survivor = pool->Share(pool->Take(100));
  }
  EXPECT_EQ(survivor->size(), 100u);
  survivor.reset();  // no pool to return to: freed (leak checkers would see)
}

}  // namespace
}  // namespace warp
