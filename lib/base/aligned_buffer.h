// A fixed-size byte buffer whose start is aligned (to a page by default), so
// that it can be written with direct I/O without a staging copy.
//
// Move-only; thread-compatible.
#ifndef WARP_LIB_BASE_ALIGNED_BUFFER_H_
#define WARP_LIB_BASE_ALIGNED_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#include "absl/strings/string_view.h"

namespace warp {

class AlignedBuffer {
 public:
  static constexpr size_t kDefaultAlignment = 4096;

  AlignedBuffer() = default;
  // `size` uninitialized bytes starting at a multiple of `alignment` (a power
  // of two, at least sizeof(void*)). Throws std::bad_alloc like operator new.
  explicit AlignedBuffer(size_t size, size_t alignment = kDefaultAlignment) : size_(size) {
    if (size == 0) return;
    void* p = nullptr;
    if (posix_memalign(&p, alignment, size) != 0) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { free(data_); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  absl::string_view view() const { return absl::string_view(data_, size_); }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace warp

#endif  // WARP_LIB_BASE_ALIGNED_BUFFER_H_
