#include "warp/garbage_collector.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/index_snapshot.h"
#include "lib/compaction/rate_limiter.h"
#include "lib/engine/object_format.h"

namespace warp {
namespace {

// Keys deleted (and forgotten) per store call.
constexpr size_t kDeleteChunk = 100;

class GarbageCollectorImpl final : public GarbageCollector {
 public:
  explicit GarbageCollectorImpl(const GarbageCollectorOptions& options)
      : options_(options),
        clock_(options.clock ? options.clock : Clock::Real()),
        pacer_(options.max_deletes_per_second, clock_) {}

  absl::StatusOr<int64_t> DeleteDeadObjects() override {
    std::vector<std::string> dead =
        options_.metadata->DeadObjects(clock_->Now() - options_.dead_object_grace);
    std::vector<std::string> mine;
    for (std::string& key : dead) {
      if (!options_.owns_object || options_.owns_object(key)) mine.push_back(std::move(key));
    }
    // Delete first, forget after: a crash in between only repeats a delete.
    return DeleteInChunks(mine, /*forget=*/true);
  }

  absl::StatusOr<int64_t> DeleteOrphans() override {
    // List first, then read what the metadata references: an object listed
    // here and committed later would have to be committed after the listing,
    // which the age rule excludes for every object old enough to delete.
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> listed,
                     options_.store->List(absl::StrCat(options_.cluster, "/data/")));
    compaction::IndexSnapshot live =
        compaction::IndexSnapshot::Take(*options_.metadata, options_.cluster);
    if (!live.complete) {
      return absl::UnavailableError("the metadata index kept moving; orphans not collected");
    }
    std::vector<std::string> dead = options_.metadata->DeadObjects(absl::InfiniteFuture());
    std::set<std::string> known(dead.begin(), dead.end());
    absl::Time old = clock_->Now() - options_.orphan_grace;
    std::vector<std::string> orphans;
    for (const ObjectInfo& object : listed) {
      if (live.objects.count(object.key) || known.count(object.key)) continue;
      absl::StatusOr<engine::ObjectKeyInfo> info =
          engine::ParseObjectKey(options_.cluster, object.key);
      if (!info.ok()) continue;  // not ours to judge
      absl::Time written = std::max(info->created, object.last_modified);
      if (written >= old) continue;  // a commit may still come
      if (options_.owns_object && !options_.owns_object(object.key)) continue;
      orphans.push_back(object.key);
    }
    return DeleteInChunks(orphans, /*forget=*/false);
  }

 private:
  absl::StatusOr<int64_t> DeleteInChunks(const std::vector<std::string>& keys, bool forget) {
    int64_t deleted = 0;
    for (size_t at = 0; at < keys.size(); at += kDeleteChunk) {
      std::vector<std::string> chunk(keys.begin() + at,
                                     keys.begin() + std::min(keys.size(), at + kDeleteChunk));
      pacer_.Acquire(static_cast<double>(chunk.size()));
      RETURN_IF_ERROR(options_.store->DeleteMany(chunk));
      if (forget) {
        ASSIGN_OR_RETURN(CommandResult done,
                         options_.metadata->Execute(ForgetObjects{chunk}));
        (void)done;  // ForgetObjects never refuses
      }
      deleted += static_cast<int64_t>(chunk.size());
    }
    return deleted;
  }

  const GarbageCollectorOptions options_;
  Clock* const clock_;
  compaction::RateLimiter pacer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GarbageCollector>> GarbageCollector::Create(
    const GarbageCollectorOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr) {
    return absl::InvalidArgumentError(
        "GarbageCollectorOptions needs a store and a metadata store");
  }
  return std::unique_ptr<GarbageCollector>(std::make_unique<GarbageCollectorImpl>(options));
}

}  // namespace warp
