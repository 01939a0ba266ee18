#include "lib/metadata/etcd/etcd_json.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::metadata::etcd {
namespace {

// Whether `text` nests arrays and objects deeper than `limit`. Exact for
// valid JSON; other text may be misjudged, which is harmless: the parser
// refuses it, and fails without recursing.
bool NestsDeeperThan(absl::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// `value` as JSON text, at most about 100 bytes of it, for messages.
std::string Excerpt(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 100) text = absl::StrCat(text.substr(0, 100), "...");
  return text;
}

// The member, or nullptr if absent (or `object` is no object).
const Json* Find(const Json& object, absl::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

absl::Status WrongType(absl::string_view name, const Json& value, absl::string_view expected) {
  return absl::DataLossError(absl::StrCat("etcd answer: \"", name, "\" is of type ",
                                          value.type_name(), ", expected ", expected));
}

}  // namespace

absl::StatusOr<Json> ParseJsonObject(absl::string_view text) {
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    return absl::DataLossError(
        absl::StrCat("etcd answer nested deeper than ", kMaxJsonDepth, " levels"));
  }
  // nlohmann/json takes a NUL byte for the end of the input; JSON has none.
  if (text.find('\0') != absl::string_view::npos) {
    return absl::DataLossError("etcd answer is not JSON (a NUL byte)");
  }
  Json parsed = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::DataLossError("etcd answer is not JSON");
  if (!parsed.is_object()) {
    return absl::DataLossError(
        absl::StrCat("etcd answer is of type ", parsed.type_name(), ", expected an object"));
  }
  return parsed;
}

absl::StatusOr<int64_t> Int64Member(const Json& object, absl::string_view name) {
  const Json* v = Find(object, name);
  if (v == nullptr) return 0;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(u);
    }
  } else if (v->is_number_integer()) {
    return v->get<int64_t>();
  } else if (v->is_string()) {
    int64_t parsed = 0;
    if (absl::SimpleAtoi(v->get_ref<const std::string&>(), &parsed)) return parsed;
  } else if (!v->is_number()) {  // a float falls through: not an int64
    return WrongType(name, *v, "an int64");
  }
  return absl::DataLossError(
      absl::StrCat("etcd answer: \"", name, "\" is not an int64: ", Excerpt(*v)));
}

absl::StatusOr<bool> BoolMember(const Json& object, absl::string_view name) {
  const Json* v = Find(object, name);
  if (v == nullptr) return false;
  if (!v->is_boolean()) return WrongType(name, *v, "a boolean");
  return v->get<bool>();
}

absl::StatusOr<std::string> StringMember(const Json& object, absl::string_view name) {
  const Json* v = Find(object, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return WrongType(name, *v, "a string");
  return v->get<std::string>();
}

absl::StatusOr<std::string> Base64Member(const Json& object, absl::string_view name) {
  const Json* v = Find(object, name);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return WrongType(name, *v, "a base64 string");
  std::string decoded;
  if (!absl::Base64Unescape(v->get_ref<const std::string&>(), &decoded)) {
    return absl::DataLossError(
        absl::StrCat("etcd answer: \"", name, "\" is not base64: ", Excerpt(*v)));
  }
  return decoded;
}

namespace {

// An object or array member (`empty`'s type); `empty` if absent.
absl::StatusOr<const Json*> ContainerMember(const Json& object, absl::string_view name,
                                            const Json* empty) {
  const Json* v = Find(object, name);
  if (v == nullptr) return empty;
  if (v->type() != empty->type()) {
    return WrongType(name, *v, empty->is_object() ? "an object" : "an array");
  }
  return v;
}

}  // namespace

absl::StatusOr<const Json*> ObjectMember(const Json& object, absl::string_view name) {
  static const Json* const kEmpty = new Json(Json::object());
  return ContainerMember(object, name, kEmpty);
}

absl::StatusOr<const Json*> ArrayMember(const Json& object, absl::string_view name) {
  static const Json* const kEmpty = new Json(Json::array());
  return ContainerMember(object, name, kEmpty);
}

absl::StatusOr<KeyValue> ParseKeyValue(const Json& kv) {
  if (!kv.is_object()) return WrongType("kv", kv, "an object");
  KeyValue out;
  ASSIGN_OR_RETURN(out.key, Base64Member(kv, "key"));
  ASSIGN_OR_RETURN(out.value, Base64Member(kv, "value"));
  ASSIGN_OR_RETURN(out.create_revision, Int64Member(kv, "create_revision"));
  ASSIGN_OR_RETURN(out.mod_revision, Int64Member(kv, "mod_revision"));
  return out;
}

absl::StatusOr<int64_t> ParseHeaderRevision(const Json& response) {
  ASSIGN_OR_RETURN(const Json* header, ObjectMember(response, "header"));
  return Int64Member(*header, "revision");
}

namespace {

// Appends the key-values of `parent`'s "kvs" to `out`.
absl::Status AppendKvs(const Json& parent, std::vector<KeyValue>* out) {
  ASSIGN_OR_RETURN(const Json* kvs, ArrayMember(parent, "kvs"));
  for (const Json& kv : *kvs) {
    ASSIGN_OR_RETURN(KeyValue parsed, ParseKeyValue(kv));
    out->push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RangeResult> ParseRangeResponse(const Json& response) {
  RangeResult result;
  ASSIGN_OR_RETURN(result.revision, ParseHeaderRevision(response));
  ASSIGN_OR_RETURN(result.more, BoolMember(response, "more"));
  RETURN_IF_ERROR(AppendKvs(response, &result.kvs));
  return result;
}

absl::StatusOr<TxnResponse> ParseTxnResponse(const Json& response) {
  TxnResponse txn;
  ASSIGN_OR_RETURN(txn.succeeded, BoolMember(response, "succeeded"));
  ASSIGN_OR_RETURN(txn.revision, ParseHeaderRevision(response));
  ASSIGN_OR_RETURN(const Json* responses, ArrayMember(response, "responses"));
  for (const Json& op : *responses) {
    if (!op.is_object()) return WrongType("responses[]", op, "an object");
    ASSIGN_OR_RETURN(const Json* range, ObjectMember(op, "response_range"));
    RETURN_IF_ERROR(AppendKvs(*range, &txn.range_kvs));
  }
  return txn;
}

std::string ErrorMessage(absl::string_view body) {
  absl::StatusOr<Json> parsed = ParseJsonObject(body);
  if (!parsed.ok()) return std::string(body.substr(0, 200));
  for (const char* name : {"message", "error"}) {
    const Json* v = Find(*parsed, name);
    if (v != nullptr && v->is_string()) return v->get<std::string>();
  }
  return std::string(body);
}

absl::StatusOr<std::vector<WatchEvent>> ParseWatchMessage(absl::string_view line) {
  absl::StatusOr<Json> message = ParseJsonObject(line);
  if (!message.ok()) {
    return absl::DataLossError(
        absl::StrCat("unreadable etcd watch message: ", message.status().message()));
  }
  if (const Json* error = Find(*message, "error"); error != nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "etcd watch failed: ", error->dump(-1, ' ', false, Json::error_handler_t::replace)));
  }
  ASSIGN_OR_RETURN(const Json* result, ObjectMember(*message, "result"));
  ASSIGN_OR_RETURN(int64_t compact_revision, Int64Member(*result, "compact_revision"));
  if (compact_revision > 0) {
    return absl::OutOfRangeError(absl::StrCat(
        "etcd compacted past the watch start (compact revision ", compact_revision, ")"));
  }
  ASSIGN_OR_RETURN(bool canceled, BoolMember(*result, "canceled"));
  if (canceled) {
    ASSIGN_OR_RETURN(std::string reason, StringMember(*result, "cancel_reason"));
    return absl::UnavailableError(absl::StrCat("etcd cancelled the watch: ", reason));
  }
  ASSIGN_OR_RETURN(const Json* events, ArrayMember(*result, "events"));
  std::vector<WatchEvent> out;
  out.reserve(events->size());
  for (const Json& e : *events) {
    if (!e.is_object()) return WrongType("events[]", e, "an object");
    ASSIGN_OR_RETURN(std::string type, StringMember(e, "type"));
    ASSIGN_OR_RETURN(const Json* kv, ObjectMember(e, "kv"));
    ASSIGN_OR_RETURN(KeyValue parsed, ParseKeyValue(*kv));
    out.push_back(WatchEvent{type == "DELETE", std::move(parsed)});
  }
  return out;
}

}  // namespace warp::metadata::etcd
