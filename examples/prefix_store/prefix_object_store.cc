#include "examples/prefix_store/prefix_object_store.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "warp/object_store_url.h"

namespace prefix_store {
namespace {

class PrefixObjectStore final : public warp::ObjectStore {
 public:
  PrefixObjectStore(warp::ObjectStore* base, std::string prefix)
      : base_(base), prefix_(std::move(prefix)) {}

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const warp::PutOptions& options) override {
    return base_->Put(Full(key), data, options);
  }
  absl::StatusOr<std::string> Get(absl::string_view key, const warp::ByteRange& range) override {
    return base_->Get(Full(key), range);
  }
  absl::StatusOr<warp::ObjectInfo> Head(absl::string_view key) override {
    absl::StatusOr<warp::ObjectInfo> info = base_->Head(Full(key));
    if (info.ok()) info->key = std::string(key);
    return info;
  }
  absl::Status Delete(absl::string_view key) override { return base_->Delete(Full(key)); }
  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    std::vector<std::string> full;
    full.reserve(keys.size());
    for (const std::string& k : keys) full.push_back(Full(k));
    return base_->DeleteMany(full);
  }
  absl::StatusOr<std::vector<warp::ObjectInfo>> List(absl::string_view prefix) override {
    absl::StatusOr<std::vector<warp::ObjectInfo>> listed = base_->List(Full(prefix));
    if (!listed.ok()) return listed.status();
    for (warp::ObjectInfo& info : *listed) {
      absl::string_view key = info.key;
      if (!absl::ConsumePrefix(&key, prefix_)) {
        return absl::InternalError(absl::StrCat("listed key ", info.key, " outside ", prefix_));
      }
      info.key = std::string(key);
    }
    return listed;
  }
  std::string Describe() const override {
    return absl::StrCat(base_->Describe(), " under ", prefix_);
  }

 private:
  std::string Full(absl::string_view key) const { return absl::StrCat(prefix_, key); }

  warp::ObjectStore* const base_;
  const std::string prefix_;
};

}  // namespace

std::unique_ptr<warp::ObjectStore> NewPrefixObjectStore(warp::ObjectStore* base,
                                                        std::string prefix) {
  return std::make_unique<PrefixObjectStore>(base, std::move(prefix));
}

absl::Status RegisterPrefixScheme(warp::ObjectStore* base) {
  return warp::RegisterObjectStoreScheme(
      "prefix", [base](absl::string_view url) -> absl::StatusOr<std::unique_ptr<warp::ObjectStore>> {
        absl::string_view name = url;
        if (!absl::ConsumePrefix(&name, "prefix://") || name.empty() ||
            absl::StrContains(name, '?')) {
          return absl::InvalidArgumentError(absl::StrCat("bad URL ", url, ": want prefix://NAME/"));
        }
        std::string prefix(name);
        if (prefix.back() != '/') prefix += '/';
        return NewPrefixObjectStore(base, prefix);
      });
}

}  // namespace prefix_store
