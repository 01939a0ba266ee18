#include "lib/engine/block_cache.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warp::engine {

BlockCache::BlockCache(ObjectStore* store, const BlockCacheOptions& options)
    : store_(store), options_(options) {}

void BlockCache::Touch(Block& block, const BlockKey& key) {
  if (block.in_lru) lru_.erase(block.lru);
  lru_.push_front(key);
  block.lru = lru_.begin();
  block.in_lru = true;
}

void BlockCache::Forget(Block& block) {
  if (block.data && --block.data->slab->cached_blocks == 0) {
    cached_bytes_ -= block.data->slab->size;
  }
  block.data.reset();
}

void BlockCache::Store(const std::string& key, uint64_t index,
                       std::shared_ptr<const BlockData> data) {
  BlockKey block_key{key, index};
  Block& block = blocks_[block_key];
  Forget(block);
  if (data->slab->cached_blocks++ == 0) cached_bytes_ += data->slab->size;
  block.data = std::move(data);
  block.load.reset();
  Touch(block, block_key);
}

void BlockCache::Evict() {
  while (cached_bytes_ > options_.capacity_bytes && !lru_.empty()) {
    BlockKey victim = lru_.back();
    lru_.pop_back();
    auto it = blocks_.find(victim);
    if (it == blocks_.end()) continue;
    it->second.in_lru = false;
    if (it->second.load) continue;  // being reloaded: keep the slot
    Forget(it->second);
    blocks_.erase(it);
  }
}

std::vector<std::shared_ptr<const BlockCache::BlockData>> BlockCache::Cut(
    std::shared_ptr<const void> owner, absl::string_view bytes, uint64_t held_bytes) {
  auto slab = std::make_shared<Slab>();
  slab->owner = std::move(owner);
  slab->size = std::max<uint64_t>(held_bytes, bytes.size());
  std::vector<std::shared_ptr<const BlockData>> blocks;
  for (uint64_t at = 0; at < bytes.size(); at += options_.block_size) {
    blocks.push_back(std::make_shared<const BlockData>(
        BlockData{slab, bytes.substr(at, options_.block_size)}));
  }
  return blocks;
}

void BlockCache::InsertObject(const std::string& key,
                              std::shared_ptr<const AlignedBuffer> data) {
  absl::string_view bytes = data->view();
  uint64_t held = data->capacity();  // what the buffer really pins
  std::vector<std::shared_ptr<const BlockData>> blocks = Cut(std::move(data), bytes, held);
  absl::MutexLock lock(&mu_);
  for (uint64_t index = 0; index < blocks.size(); ++index) {
    Store(key, index, std::move(blocks[index]));
  }
  Evict();
}

void BlockCache::Fetch(const std::string& key, uint64_t first, uint64_t last,
                       const std::shared_ptr<Load>& load) {
  uint64_t bs = options_.block_size;
  absl::StatusOr<std::string> bytes =
      store_->Get(key, ByteRange::Of(first * bs, (last - first + 1) * bs));
  gets_.fetch_add(1);
  absl::MutexLock lock(&mu_);
  if (!bytes.ok()) {
    load->status = bytes.status();
  } else {
    get_bytes_.fetch_add(bytes->size());
    auto owner = std::make_shared<const std::string>(*std::move(bytes));
    absl::string_view view = *owner;
    uint64_t held = owner->capacity();
    std::vector<std::shared_ptr<const BlockData>> blocks = Cut(std::move(owner), view, held);
    for (uint64_t i = 0; i < blocks.size(); ++i) {
      load->blocks[first + i] = blocks[i];
      Store(key, first + i, std::move(blocks[i]));
    }
  }
  // Blocks asked for but not delivered (past the end, or a failed GET) are
  // forgotten so that a later read retries them.
  for (uint64_t i = first; i <= last; ++i) {
    auto it = blocks_.find(BlockKey{key, i});
    if (it != blocks_.end() && it->second.load == load && !it->second.data) {
      if (it->second.in_lru) lru_.erase(it->second.lru);
      blocks_.erase(it);
    } else if (it != blocks_.end() && it->second.load == load) {
      it->second.load.reset();
    }
  }
  Evict();
}

absl::StatusOr<std::string> BlockCache::Read(const std::string& key, uint64_t offset,
                                             uint64_t length) {
  std::string out;
  absl::Status status = ReadInto(key, offset, length, &out);
  if (!status.ok()) return status;
  return out;
}

absl::Status BlockCache::ReadInto(const std::string& key, uint64_t offset, uint64_t length,
                                  std::string* out) {
  if (length == 0) return absl::OkStatus();
  uint64_t bs = options_.block_size;
  uint64_t first = offset / bs;
  uint64_t last = (offset + length - 1) / bs;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<std::shared_ptr<const BlockData>> found(last - first + 1);
    std::vector<std::shared_ptr<Load>> waits;
    std::vector<std::pair<uint64_t, uint64_t>> runs;  // missing [a, b]
    std::shared_ptr<Load> mine = std::make_shared<Load>();
    {
      absl::MutexLock lock(&mu_);
      for (uint64_t i = first; i <= last; ++i) {
        BlockKey block_key{key, i};
        auto it = blocks_.find(block_key);
        if (it != blocks_.end() && it->second.data) {
          found[i - first] = it->second.data;
          Touch(it->second, block_key);
          hits_.fetch_add(1);
        } else if (it != blocks_.end() && it->second.load) {
          waits.push_back(it->second.load);
        } else {
          misses_.fetch_add(1);
          blocks_[block_key].load = mine;
          if (!runs.empty() && runs.back().second + 1 == i) {
            runs.back().second = i;
          } else {
            runs.push_back({i, i});
          }
        }
      }
      // Read ahead after the last run, if it reaches the end of the read.
      if (!runs.empty() && runs.back().second == last) {
        for (int r = 1; r <= options_.read_ahead_blocks; ++r) {
          BlockKey ahead{key, last + r};
          if (blocks_.count(ahead)) break;
          blocks_[ahead].load = mine;
          runs.back().second = last + r;
        }
      }
    }
    for (const auto& [a, b] : runs) Fetch(key, a, b, mine);
    // Once, after every run: waiters then read mine->blocks, complete.
    mine->done.Notify();
    if (!runs.empty() && !mine->status.ok()) return mine->status;
    for (const auto& w : waits) w->done.WaitForNotification();
    for (const auto& w : waits) {
      if (!w->status.ok()) return w->status;
    }
    waits.push_back(mine);
    for (uint64_t i = first; i <= last; ++i) {
      if (found[i - first]) continue;
      for (const auto& w : waits) {
        auto it = w->blocks.find(i);  // complete: no more writers
        if (it != w->blocks.end()) {
          found[i - first] = it->second;
          break;
        }
      }
    }
    bool complete = std::all_of(found.begin(), found.end(),
                                [](const auto& b) { return b != nullptr; });
    if (!complete) continue;
    const size_t start = out->size();
    out->reserve(start + length);
    for (uint64_t i = first; i <= last; ++i) {
      absl::string_view block = found[i - first]->bytes;
      uint64_t block_start = i * bs;
      uint64_t from = std::max(offset, block_start) - block_start;
      uint64_t to = std::min(offset + length, block_start + block.size()) - block_start;
      if (from > block.size() || to < from) {
        out->resize(start);
        return absl::OutOfRangeError(absl::StrCat("range past the end of object ", key));
      }
      out->append(block.data() + from, to - from);
    }
    if (out->size() - start != length) {
      out->resize(start);
      return absl::OutOfRangeError(absl::StrCat("range past the end of object ", key));
    }
    return absl::OkStatus();
  }
  return absl::UnavailableError("block cache could not hold the blocks of a read");
}

BlockCacheStats BlockCache::stats() const {
  BlockCacheStats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  s.gets = gets_.load();
  s.get_bytes = get_bytes_.load();
  absl::MutexLock lock(&mu_);
  s.cached_bytes = cached_bytes_;
  return s;
}

}  // namespace warp::engine
