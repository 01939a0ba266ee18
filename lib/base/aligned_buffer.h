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
  // `size` uninitialized bytes starting at a multiple of kDefaultAlignment.
  // Throws std::bad_alloc like operator new.
  // `capacity` (at least `size`) is what is allocated, so that the buffer
  // can be reused for other sizes up to it (see Resize).
  explicit AlignedBuffer(size_t size, size_t capacity = 0)
      : size_(size), capacity_(capacity < size ? size : capacity) {
    if (capacity_ == 0) return;
    void* p = nullptr;
    if (posix_memalign(&p, kDefaultAlignment, capacity_) != 0) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }

  // Makes the buffer `size` bytes long. Within the capacity nothing moves
  // (bytes past the old size are uninitialized); beyond it the buffer is
  // replaced by a new one, its contents dropped.
  void Resize(size_t size) {
    if (size > capacity_) *this = AlignedBuffer(size);
    size_ = size;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { free(data_); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  absl::string_view view() const { return absl::string_view(data_, size_); }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace warp

#endif  // WARP_LIB_BASE_ALIGNED_BUFFER_H_
