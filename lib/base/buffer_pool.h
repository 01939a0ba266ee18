// A few large aligned buffers kept for reuse, so that a steady stream of
// same-sized buffers (one object per flush) costs no fresh allocation: no
// mmap, page faults and page clearing per buffer, and no heap fragmentation.
//
// Thread-safe.
#ifndef WARP_LIB_BASE_BUFFER_POOL_H_
#define WARP_LIB_BASE_BUFFER_POOL_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/aligned_buffer.h"

namespace warp {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  // Keeps at most `max_free` buffers; capacities are rounded up to
  // `granularity` bytes so that slightly different sizes share buffers.
  static std::shared_ptr<BufferPool> Create(size_t max_free, size_t granularity = 1 << 20) {
    return std::shared_ptr<BufferPool>(new BufferPool(max_free, granularity));
  }

  // A buffer of `size` bytes (contents uninitialized): a kept one whose
  // capacity fits, or a new one.
  AlignedBuffer Take(size_t size) {
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].capacity() >= size) {
          AlignedBuffer buffer = std::move(free_[i]);
          free_.erase(free_.begin() + i);
          buffer.Resize(size);
          return buffer;
        }
      }
    }
    size_t capacity = (size + granularity_ - 1) / granularity_ * granularity_;
    return AlignedBuffer(size, capacity);
  }

  // Keeps `buffer` for a later Take, unless enough are kept already.
  void Give(AlignedBuffer buffer) {
    absl::MutexLock lock(&mu_);
    if (free_.size() < max_free_ && buffer.capacity() > 0) free_.push_back(std::move(buffer));
  }

  // `buffer`, shared, returned to this pool when the last owner lets go (the
  // pool may be gone by then: the buffer is then freed).
  std::shared_ptr<const AlignedBuffer> Share(AlignedBuffer buffer) {
    std::weak_ptr<BufferPool> pool = weak_from_this();
    return std::shared_ptr<const AlignedBuffer>(
        new AlignedBuffer(std::move(buffer)), [pool](const AlignedBuffer* b) {
          std::unique_ptr<AlignedBuffer> owned(const_cast<AlignedBuffer*>(b));
          if (auto p = pool.lock()) p->Give(std::move(*owned));
        });
  }

  size_t free_buffers() const {
    absl::MutexLock lock(&mu_);
    return free_.size();
  }

 private:
  BufferPool(size_t max_free, size_t granularity)
      : max_free_(max_free), granularity_(granularity == 0 ? 1 : granularity) {}

  const size_t max_free_;
  const size_t granularity_;
  mutable absl::Mutex mu_;
  std::vector<AlignedBuffer> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp

#endif  // WARP_LIB_BASE_BUFFER_POOL_H_
