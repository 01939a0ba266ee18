// MetadataStore::Open: naming a store's journal by URL.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/base/status_macros.h"
#include "absl/strings/str_split.h"
#include "lib/metadata/etcd/etcd_metadata_store.h"
#include "lib/metadata/journaled_metadata_store.h"
#include "lib/metadata/local_journal.h"
#include "warp/metadata_store.h"

namespace warp {

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(
    absl::string_view url, const MetadataStoreOptions& options) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad metadata URL \"", url, "\": ", why,
        " (expected mem://, local:///abs/path or etcd://host:port[,host:port]/prefix)"));
  };
  if (url == "mem://") {
    return metadata::NewJournaledMetadataStore(metadata::NewMemoryJournal(), options);
  }
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "local://")) {
    if (rest.empty() || rest.front() != '/') {
      return bad("a local journal needs an absolute path: local:///abs/path");
    }
    metadata::LocalJournalOptions journal_options;
    journal_options.sync = options.sync;
    ASSIGN_OR_RETURN(std::unique_ptr<metadata::Journal> journal,
                     metadata::OpenLocalJournal(std::string(rest), journal_options));
    return metadata::NewJournaledMetadataStore(std::move(journal), options);
  }
  if (absl::ConsumePrefix(&rest, "etcd://")) {
    size_t slash = rest.find('/');
    absl::string_view hosts = rest.substr(0, slash);
    absl::string_view prefix =
        slash == absl::string_view::npos ? "" : rest.substr(slash + 1);
    if (hosts.empty()) return bad("no etcd endpoint");
    if (prefix.empty()) return bad("a key prefix is needed: etcd://host:port/prefix");
    std::vector<std::string> endpoints;
    for (absl::string_view host : absl::StrSplit(hosts, ',')) {
      if (host.empty() || host.find(':') == absl::string_view::npos) {
        return bad(absl::StrCat("endpoint \"", host, "\" is not host:port"));
      }
      endpoints.emplace_back(host);
    }
    // ?max_request_bytes=N (etcd's --max-request-bytes) and
    // ?watch_idle_timeout_ms=N: see docs/operations.md.
    metadata::EtcdStoreOptions etcd_options;
    size_t question = prefix.find('?');
    if (question != absl::string_view::npos) {
      for (absl::string_view param : absl::StrSplit(prefix.substr(question + 1), '&')) {
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(param, '=');
        int64_t value = 0;
        if (!absl::SimpleAtoi(kv.second, &value) || value <= 0) {
          return bad(absl::StrCat("parameter \"", param, "\" needs a positive integer"));
        }
        if (kv.first == "max_request_bytes") {
          etcd_options.max_request_bytes = static_cast<size_t>(value);
        } else if (kv.first == "watch_idle_timeout_ms") {
          etcd_options.watch_idle_timeout = absl::Milliseconds(value);
        } else {
          return bad(absl::StrCat("unknown parameter \"", kv.first, "\""));
        }
      }
      prefix = prefix.substr(0, question);
      if (prefix.empty()) return bad("a key prefix is needed: etcd://host:port/prefix");
    }
    return metadata::OpenEtcdMetadataStore(std::move(endpoints), absl::StrCat("/", prefix),
                                           options, etcd_options);
  }
  if (url.empty()) return bad("the URL is empty");
  return bad("unknown scheme");
}

}  // namespace warp
