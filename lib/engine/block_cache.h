// A read cache of fixed-size blocks of objects, LRU-bounded by bytes.
//
// - Concurrent reads of the same block share one GET (single flight).
// - The missing blocks of one read, plus `read_ahead_blocks` after them, are
//   loaded with one ranged GET (adjacent ranges coalesced).
// - Objects this process just wrote are inserted whole, so readers tailing
//   them cost no GET at all.
// - No copies: a block is a view into the buffer a GET returned (or the
//   object the producer wrote), shared by every block cut from it. The
//   capacity counts each such buffer once, whole, while any of its blocks is
//   cached.
//
// Thread-safe.
#ifndef WARP_LIB_ENGINE_BLOCK_CACHE_H_
#define WARP_LIB_ENGINE_BLOCK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "lib/base/aligned_buffer.h"
#include "warp/object_store.h"

namespace warp::engine {

struct BlockCacheOptions {
  // Size of a cached block (and the unit of GETs).
  uint64_t block_size = 4 << 20;
  // Most bytes of blocks kept; least recently used blocks go first.
  uint64_t capacity_bytes = 256 << 20;
  // Blocks loaded beyond the last one a read needs, in the same GET, for
  // sequential readers.
  int read_ahead_blocks = 1;
};

struct BlockCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t gets = 0;
  uint64_t get_bytes = 0;
  uint64_t cached_bytes = 0;
};

class BlockCache {
 public:
  BlockCache(ObjectStore* store, const BlockCacheOptions& options);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // Returns bytes [offset, offset + length) of object `key`.
  absl::StatusOr<std::string> Read(const std::string& key, uint64_t offset,
                                   uint64_t length);
  // The same, appended to `*out` (one copy, from the cached blocks). On an
  // error `*out` is as it was.
  absl::Status ReadInto(const std::string& key, uint64_t offset, uint64_t length,
                        std::string* out);

  // Caches all of object `key`, which this process just wrote, sharing
  // `data` (no copy).
  void InsertObject(const std::string& key, std::shared_ptr<const AlignedBuffer> data);

  BlockCacheStats stats() const;

 private:
  // A buffer blocks are cut from, counted once while any block uses it.
  struct Slab {
    std::shared_ptr<const void> owner;  // keeps the bytes alive
    uint64_t size = 0;
    int cached_blocks = 0;  // guarded by mu_
  };
  // A block's bytes: a view into a slab.
  struct BlockData {
    std::shared_ptr<Slab> slab;
    absl::string_view bytes;
  };
  struct Load {
    absl::Notification done;
    absl::Status status;
    // What the load got, so its readers need not find it in the cache
    // (eviction may have dropped it already).
    absl::flat_hash_map<uint64_t, std::shared_ptr<const BlockData>> blocks;
  };
  struct Block {
    std::shared_ptr<const BlockData> data;  // null while loading
    std::shared_ptr<Load> load;               // set while loading
    std::list<std::pair<std::string, uint64_t>>::iterator lru;
    bool in_lru = false;
  };
  using BlockKey = std::pair<std::string, uint64_t>;

  void Store(const std::string& key, uint64_t index,
             std::shared_ptr<const BlockData> data) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Cuts `bytes` (owned by `owner`, which holds `held_bytes` of memory),
  // the start of block `first`, into blocks.
  std::vector<std::shared_ptr<const BlockData>> Cut(std::shared_ptr<const void> owner,
                                                    absl::string_view bytes, uint64_t held_bytes);
  void Forget(Block& block) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch(Block& block, const BlockKey& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evict() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // GETs blocks [first, last] of `key` (cut at the object's end) and stores
  // them in the cache and in `load` (which the caller completes, once, after
  // all its runs).
  void Fetch(const std::string& key, uint64_t first, uint64_t last,
             const std::shared_ptr<Load>& load);

  ObjectStore* const store_;
  const BlockCacheOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<BlockKey, Block> blocks_ ABSL_GUARDED_BY(mu_);
  std::list<BlockKey> lru_ ABSL_GUARDED_BY(mu_);  // front = most recent
  uint64_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0}, gets_{0}, get_bytes_{0};
};

}  // namespace warp::engine

#endif  // WARP_LIB_ENGINE_BLOCK_CACHE_H_
