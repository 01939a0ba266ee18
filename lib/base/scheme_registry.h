// URL schemes registered at run time by applications (object stores and
// journals of their own, warp/object_store_url.h and warp/journal.h): a
// map from scheme to factory, consulted after the built-in schemes. Plain
// calls, never static initialisers, so that nothing depends on what a
// linker keeps. Thread-safe.
#ifndef WARP_LIB_BASE_SCHEME_REGISTRY_H_
#define WARP_LIB_BASE_SCHEME_REGISTRY_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace warp {

template <typename Factory>
class SchemeRegistry {
 public:
  // `builtin`: schemes that may not be registered.
  explicit SchemeRegistry(std::initializer_list<absl::string_view> builtin) {
    for (absl::string_view s : builtin) builtin_.emplace(s, true);
  }

  absl::Status Register(absl::string_view scheme, Factory factory) {
    if (scheme.empty() || !absl::ascii_islower(scheme[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("URL scheme \"", scheme, "\" must start with a lower-case letter"));
    }
    for (char c : scheme) {
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '+' && c != '-' &&
          c != '.') {
        return absl::InvalidArgumentError(absl::StrCat(
            "URL scheme \"", scheme, "\": only lower-case letters, digits, '+', '-' and '.'"));
      }
    }
    if (factory == nullptr) return absl::InvalidArgumentError("no factory");
    absl::MutexLock lock(&mu_);
    if (builtin_.count(std::string(scheme)) > 0 || factories_.count(std::string(scheme)) > 0) {
      return absl::AlreadyExistsError(absl::StrCat("URL scheme \"", scheme, "\" is taken"));
    }
    factories_.emplace(std::string(scheme), std::move(factory));
    return absl::OkStatus();
  }

  // The factory of `url`'s scheme ("scheme://..."), if registered.
  std::optional<Factory> Find(absl::string_view url) {
    size_t colon = url.find("://");
    if (colon == absl::string_view::npos) return std::nullopt;
    absl::MutexLock lock(&mu_);
    auto it = factories_.find(std::string(url.substr(0, colon)));
    if (it == factories_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, bool> builtin_;
  absl::Mutex mu_;
  std::map<std::string, Factory> factories_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp

#endif  // WARP_LIB_BASE_SCHEME_REGISTRY_H_
