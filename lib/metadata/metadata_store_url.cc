// MetadataStore::Open: naming a store's journal by URL.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/base/scheme_registry.h"
#include "lib/base/status_macros.h"
#include "absl/strings/str_split.h"
#include "lib/metadata/etcd/etcd_metadata_store.h"
#include "lib/metadata/journaled_metadata_store.h"
#include "lib/metadata/local_journal.h"
#include "warp/journal.h"
#include "warp/metadata_store.h"

namespace warp {
namespace {

SchemeRegistry<JournalOpener>& Schemes() {
  static auto* schemes = new SchemeRegistry<JournalOpener>({"mem", "local", "etcd", "etcds"});
  return *schemes;
}

}  // namespace

absl::Status RegisterJournalScheme(absl::string_view scheme, JournalOpener factory) {
  return Schemes().Register(scheme, std::move(factory));
}

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(
    absl::string_view url, const MetadataStoreOptions& options) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad metadata URL \"", url, "\": ", why,
        " (expected mem://, local:///abs/path, etcd://host:port[,host:port]/prefix or etcds://...)"));
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
  const bool etcds = absl::ConsumePrefix(&rest, "etcds://");
  if (etcds || absl::ConsumePrefix(&rest, "etcd://")) {
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
    // ?max_request_bytes=N (etcd's --max-request-bytes),
    // ?watch_idle_timeout_ms=N, and TLS and authentication: tls=1 (as
    // etcds://), ca_file=, cert_file=, key_file=, user=, password_file= (or
    // $WARP_ETCD_PASSWORD): see docs/operations.md.
    metadata::EtcdStoreOptions etcd_options;
    etcd_options.client.tls = etcds;
    std::string password_file;
    size_t question = prefix.find('?');
    if (question != absl::string_view::npos) {
      for (absl::string_view param : absl::StrSplit(prefix.substr(question + 1), '&')) {
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(param, '=');
        const absl::string_view name = kv.first;
        const std::string text(kv.second);
        if (name == "ca_file" || name == "cert_file" || name == "key_file" || name == "user" ||
            name == "password_file") {
          if (text.empty()) return bad(absl::StrCat("parameter \"", name, "\" needs a value"));
          if (name == "ca_file") etcd_options.client.ca_file = text;
          if (name == "cert_file") etcd_options.client.cert_file = text;
          if (name == "key_file") etcd_options.client.key_file = text;
          if (name == "user") etcd_options.client.user = text;
          if (name == "password_file") password_file = text;
          continue;
        }
        if (name == "tls") {
          if (text != "1" && text != "0") return bad("parameter \"tls\" is 1 or 0");
          etcd_options.client.tls = text == "1";
          continue;
        }
        int64_t value = 0;
        if (!absl::SimpleAtoi(text, &value) || value <= 0) {
          return bad(absl::StrCat("parameter \"", param, "\" needs a positive integer"));
        }
        if (name == "max_request_bytes") {
          etcd_options.max_request_bytes = static_cast<size_t>(value);
        } else if (name == "watch_idle_timeout_ms") {
          etcd_options.watch_idle_timeout = absl::Milliseconds(value);
        } else {
          return bad(absl::StrCat("unknown parameter \"", name, "\""));
        }
      }
      prefix = prefix.substr(0, question);
      if (prefix.empty()) return bad("a key prefix is needed: etcd://host:port/prefix");
    }
    if (!etcd_options.client.user.empty()) {
      // The password never goes in the URL (which is logged).
      if (!password_file.empty()) {
        std::ifstream in(password_file);
        if (!in || !std::getline(in, etcd_options.client.password)) {
          return bad(absl::StrCat("cannot read password_file ", password_file));
        }
      } else if (const char* env = std::getenv("WARP_ETCD_PASSWORD"); env != nullptr) {
        etcd_options.client.password = env;
      } else {
        return bad("user= needs password_file= or $WARP_ETCD_PASSWORD");
      }
    } else if (!password_file.empty()) {
      return bad("password_file= without user=");
    }
    if (etcd_options.client.cert_file.empty() != etcd_options.client.key_file.empty()) {
      return bad("cert_file= and key_file= go together");
    }
    return metadata::OpenEtcdMetadataStore(std::move(endpoints), absl::StrCat("/", prefix),
                                           options, etcd_options);
  }
  if (url.empty()) return bad("the URL is empty");
  if (std::optional<JournalOpener> factory = Schemes().Find(url)) {
    ASSIGN_OR_RETURN(std::unique_ptr<Journal> journal, (*factory)(url));
    if (journal == nullptr) return bad("the registered journal factory returned nothing");
    return metadata::NewJournaledMetadataStore(std::move(journal), options);
  }
  return bad("unknown scheme");
}

}  // namespace warp
