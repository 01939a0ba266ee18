#include "warp/memory_object_store.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/storage/range.h"

namespace warp {
namespace {

// Objects are immutable shared strings: the lock is held only to look up or
// swap a pointer, never while copying data, so requests run concurrently.
class MemoryObjectStore final : public ObjectStore {
 public:
  explicit MemoryObjectStore(Clock* clock) : clock_(clock) {}

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const PutOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    auto object = std::make_shared<Object>();
    object->key = std::string(key);
    object->data.assign(data.data(), data.size());
    object->modified = clock_->Now();
    object->etag = absl::StrCat(version_counter_.fetch_add(1) + 1);
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(key), object);
    if (!inserted) {
      if (options.if_not_exists) {
        return absl::AlreadyExistsError(
            absl::StrCat("object \"", key, "\" already exists"));
      }
      it->second = std::move(object);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Get(absl::string_view key,
                                  const ByteRange& range) override {
    ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, Find(key));
    ASSIGN_OR_RETURN(auto span, ResolveRange(range, object->data.size()));
    return object->data.substr(span.first, span.second);
  }

  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, Find(key));
    return ObjectInfo{std::string(key), object->data.size(), object->modified,
                      object->etag};
  }

  absl::Status Delete(absl::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    std::shared_ptr<const Object> doomed;  // freed outside the lock
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it != objects_.end()) {
      doomed = std::move(it->second);
      objects_.erase(it);
    }
    return absl::OkStatus();
  }

  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    for (const std::string& key : keys) RETURN_IF_ERROR(ValidateObjectKey(key));
    for (const std::string& key : keys) RETURN_IF_ERROR(Delete(key));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ObjectInfo>> List(
      absl::string_view prefix) override {
    RETURN_IF_ERROR(ValidateObjectKeyPrefix(prefix));
    // Under the lock only take references (no string copies), so a listing
    // of a large bucket does not hold up other requests.
    std::vector<std::shared_ptr<const Object>> matches;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = objects_.lower_bound(prefix);
           it != objects_.end() &&
           absl::string_view(it->first).substr(0, prefix.size()) == prefix;
           ++it) {
        matches.push_back(it->second);
      }
    }
    std::vector<ObjectInfo> result;
    result.reserve(matches.size());
    for (const std::shared_ptr<const Object>& object : matches) {
      result.push_back(ObjectInfo{object->key, object->data.size(),
                                  object->modified, object->etag});
    }
    return result;
  }

  std::string Describe() const override { return "mem://"; }

 private:
  // Immutable once published.
  struct Object {
    std::string key;
    std::string data;
    absl::Time modified;
    std::string etag;
  };

  absl::StatusOr<std::shared_ptr<const Object>> Find(absl::string_view key) {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      return absl::NotFoundError(absl::StrCat("object \"", key, "\" not found"));
    }
    return it->second;
  }

  Clock* const clock_;
  std::atomic<uint64_t> version_counter_{0};
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const Object>, std::less<>> objects_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<ObjectStore> NewMemoryObjectStore(Clock* clock) {
  return std::make_unique<MemoryObjectStore>(clock ? clock : Clock::Real());
}

}  // namespace warp
