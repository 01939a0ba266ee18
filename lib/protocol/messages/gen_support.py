"""The non-message outputs of gen_messages.py: the ApiVersions table, the
dispatch helpers, the error codes and the test filler. Standard library only.
"""

import collections
import re

Api = collections.namedtuple(
    "Api", "key name lo hi flex stem request response")


def _guard(stem):
  return "WARP_LIB_PROTOCOL_MESSAGES_%s_H_" % stem.upper()


def _header(banner, stem, doc, includes, body):
  g = _guard(stem)
  return "\n".join([banner + "//"] + ["// " + d if d else "//" for d in doc] +
                   ["#ifndef " + g, "#define " + g, ""] + includes +
                   ["", "namespace warp::kafka {", ""] + body +
                   ["", "}  // namespace warp::kafka", "", "#endif  // " + g,
                    ""])


def _source(banner, stem, includes, body):
  return "\n".join([banner, '#include "lib/protocol/messages/%s.h"' % stem,
                    ""] + includes + ["", "namespace warp::kafka {", ""] +
                   body + ["", "}  // namespace warp::kafka", ""])


def table_files(apis, known_flex, banner):
  enum = ["  k%s = %d," % (a.name, a.key) for a in apis]
  h = _header(banner, "api_versions_table", [
      "The Kafka APIs and versions warp serves (from served_apis.txt) and the",
      "flexible-version boundaries that decide header versions.", "",
      "Thread-safety: immutable tables and pure functions."
  ], ["#include <cstdint>", "", '#include "absl/types/span.h"'], [
      "// The api keys warp serves.",
      "enum class ApiKey : int16_t {"] + enum + ["};", "",
      "struct ApiVersionRange {",
      "  int16_t api_key;",
      "  const char* name;  // e.g. \"Produce\"",
      "  int16_t min_version;",
      "  int16_t max_version;",
      "  int16_t first_flexible_version;  // -1: no flexible version",
      "};", "",
      "enum class VersionSupport {",
      "  kSupported,",
      "  kUnknownApi,          // warp does not serve this api key at all",
      "  kUnsupportedVersion,  // served key, version outside the range",
      "};", "",
      "// Every API warp serves, ordered by api key (what ApiVersions lists).",
      "absl::Span<const ApiVersionRange> ServedApis();",
      "// The served range of `api_key`, or nullptr if it is not served.",
      "const ApiVersionRange* FindServedApi(int16_t api_key);",
      "// Whether warp can decode requests of `api_key` at `api_version`.",
      "VersionSupport CheckVersion(int16_t api_key, int16_t api_version);",
      "// The first flexible version of any API the schemas know (served or",
      "// not); -1 if it has none or the key is unknown.",
      "int16_t FirstFlexibleVersion(int16_t api_key);",
      "// Whether `api_version` of `api_key` uses the flexible encodings.",
      "bool IsFlexibleVersion(int16_t api_key, int16_t api_version);",
      "// Request header version (1 or 2) for a request of this key/version.",
      "int16_t RequestHeaderVersionFor(int16_t api_key, int16_t api_version);",
      "// Response header version (0 or 1); always 0 for ApiVersions.",
      "int16_t ResponseHeaderVersionFor(int16_t api_key, int16_t api_version);",
  ])
  rows = ['    {%d, "%s", %d, %d, %d},' % (a.key, a.name, a.lo, a.hi,
                                           -1 if a.flex is None else a.flex)
          for a in apis]
  flex_cases = ["    case %d: return %d;" % (k, -1 if f is None else f)
                for k, f in sorted(known_flex.items())]
  cc = _source(banner, "api_versions_table",
               ['#include "lib/protocol/wire/frame.h"'], [
      "namespace {", "",
      "constexpr ApiVersionRange kServedApis[] = {"] + rows + ["};", "",
      "}  // namespace", "",
      "absl::Span<const ApiVersionRange> ServedApis() { return kServedApis; }",
      "",
      "const ApiVersionRange* FindServedApi(int16_t api_key) {",
      "  for (const ApiVersionRange& api : kServedApis) {",
      "    if (api.api_key == api_key) return &api;",
      "  }",
      "  return nullptr;",
      "}", "",
      "VersionSupport CheckVersion(int16_t api_key, int16_t api_version) {",
      "  const ApiVersionRange* api = FindServedApi(api_key);",
      "  if (api == nullptr) return VersionSupport::kUnknownApi;",
      "  if (api_version < api->min_version || api_version > api->max_version) {",
      "    return VersionSupport::kUnsupportedVersion;",
      "  }",
      "  return VersionSupport::kSupported;",
      "}", "",
      "int16_t FirstFlexibleVersion(int16_t api_key) {",
      "  switch (api_key) {"] + flex_cases + [
      "    default: return -1;",
      "  }",
      "}", "",
      "bool IsFlexibleVersion(int16_t api_key, int16_t api_version) {",
      "  const int16_t first = FirstFlexibleVersion(api_key);",
      "  return first >= 0 && api_version >= first;",
      "}", "",
      "int16_t RequestHeaderVersionFor(int16_t api_key, int16_t api_version) {",
      "  return RequestHeaderVersion(IsFlexibleVersion(api_key, api_version));",
      "}", "",
      "int16_t ResponseHeaderVersionFor(int16_t api_key, int16_t api_version) {",
      "  return ResponseHeaderVersion(api_key,",
      "                               IsFlexibleVersion(api_key, api_version));",
      "}",
  ])
  return {"api_versions_table.h": h, "api_versions_table.cc": cc}


def dispatch_files(apis, banner):
  req = ",\n".join("    %sRequest" % a.name for a in apis)
  resp = ",\n".join("    %sResponse" % a.name for a in apis)
  h = _header(banner, "dispatch", [
      "Every served request and response as one std::variant, decoded and",
      "encoded by api key. Visit a decoded message with std::visit.", "",
      "Thread-safety: pure functions over caller-owned values."
  ], ["#include <cstdint>", "#include <variant>", "",
      '#include "absl/status/status.h"', '#include "absl/status/statusor.h"'] +
     ['#include "lib/protocol/messages/%s.h"' % a.stem for a in apis] +
     ['#include "lib/protocol/wire/reader.h"',
      '#include "lib/protocol/wire/writer.h"'], [
      "using Request = std::variant<\n%s>;" % req, "",
      "using Response = std::variant<\n%s>;" % resp, "",
      "// Decodes the body of a request of `api_key` at `api_version` from",
      "// `reader`. Errors: UnimplementedError if warp does not serve that",
      "// key or version (see CheckVersion), InvalidArgumentError if malformed.",
      "absl::StatusOr<Request> DecodeRequest(int16_t api_key, "
      "int16_t api_version,",
      "                                      Reader& reader);",
      "// Like DecodeRequest, for response bodies.",
      "absl::StatusOr<Response> DecodeResponse(int16_t api_key,",
      "                                        int16_t api_version, "
      "Reader& reader);",
      "// Appends the body of `request` in `api_version` (see the message's",
      "// Encode for errors).",
      "absl::Status EncodeRequest(const Request& request, int16_t api_version,",
      "                           Writer& writer);",
      "absl::Status EncodeResponse(const Response& response, "
      "int16_t api_version,",
      "                            Writer& writer);",
      "// The api key of the message held.",
      "int16_t ApiKeyOf(const Request& request);",
      "int16_t ApiKeyOf(const Response& response);",
  ])
  def switch(kind):
    out = ["  switch (api_key) {"]
    for a in apis:
      out.append("    case %d:" % a.key)
      out.append("      return DecodeAs<%s, %s%s>(api_version, reader);" %
                 (kind, a.name, kind))
    out += ["  }",
            "  return absl::UnimplementedError(",
            "      absl::StrCat(\"api key \", api_key, \" is not served\"));"]
    return out
  cc = _source(banner, "dispatch", [
      "#include <utility>", "", '#include "absl/strings/str_cat.h"',
      '#include "lib/base/status_macros.h"'], [
      "namespace {", "",
      "template <typename Variant, typename Message>",
      "absl::StatusOr<Variant> DecodeAs(int16_t version, Reader& reader) {",
      "  Message message;",
      "  RETURN_IF_ERROR(message.Decode(reader, version));",
      "  return Variant(std::move(message));",
      "}", "",
      "}  // namespace", "",
      "absl::StatusOr<Request> DecodeRequest(int16_t api_key, "
      "int16_t api_version,",
      "                                      Reader& reader) {"] +
      switch("Request") + ["}", "",
      "absl::StatusOr<Response> DecodeResponse(int16_t api_key,",
      "                                        int16_t api_version, "
      "Reader& reader) {"] +
      switch("Response") + ["}", "",
      "absl::Status EncodeRequest(const Request& request, int16_t api_version,",
      "                           Writer& writer) {",
      "  return std::visit(",
      "      [&](const auto& m) { return m.Encode(writer, api_version); },",
      "      request);",
      "}", "",
      "absl::Status EncodeResponse(const Response& response, "
      "int16_t api_version,",
      "                            Writer& writer) {",
      "  return std::visit(",
      "      [&](const auto& m) { return m.Encode(writer, api_version); },",
      "      response);",
      "}", "",
      "int16_t ApiKeyOf(const Request& request) {",
      "  return std::visit([](const auto& m) { return m.kApiKey; }, request);",
      "}", "",
      "int16_t ApiKeyOf(const Response& response) {",
      "  return std::visit([](const auto& m) { return m.kApiKey; }, response);",
      "}",
  ])
  return {"dispatch.h": h, "dispatch.cc": cc}


def _enum_name(name):
  return "k" + "".join(p.capitalize() for p in name.split("_"))


def error_files(errors, banner):
  enum = ["  %s = %d," % (_enum_name(n), c) for c, n, _ in errors]
  h = _header(banner, "errors", [
      "Kafka error codes (from kafka-errors.txt, Apache Kafka's Errors.java):",
      "one enum, with names, retriable flags (the Java client's",
      "RetriableException subclasses) and short messages.", "",
      "Thread-safety: immutable table and pure functions."
  ], ["#include <cstdint>", "", '#include "absl/strings/string_view.h"'], [
      "enum class ErrorCode : int16_t {"] + enum + ["};", "",
      "struct ErrorInfo {",
      "  ErrorCode code;",
      "  const char* name;     // e.g. \"UNKNOWN_TOPIC_OR_PARTITION\"",
      "  bool retriable;       // clients retry the request as is",
      "  const char* message;  // a short human-readable description",
      "};", "",
      "// The wire value of `code`.",
      "inline int16_t ToInt16(ErrorCode code) {",
      "  return static_cast<int16_t>(code);",
      "}",
      "// The entry for wire value `code`, or nullptr if it is not a known code.",
      "const ErrorInfo* FindErrorInfo(int16_t code);",
      "// The name of `code`, or \"UNKNOWN_ERROR_CODE\" if unknown.",
      "absl::string_view ErrorName(ErrorCode code);",
      "// The description of `code`, or \"Unknown error code.\" if unknown.",
      "absl::string_view ErrorMessage(ErrorCode code);",
      "// Whether clients treat `code` as retriable (false if unknown).",
      "bool IsRetriable(ErrorCode code);",
  ])
  def message(name):
    if name == "NONE":
      return "No error."
    words = name.lower().replace("txn", "transaction").split("_")
    return " ".join(words).capitalize() + "."
  rows = ['    {ErrorCode::%s, "%s", %s, "%s"},' % (
      _enum_name(n), n, "true" if r else "false", message(n))
          for _, n, r in errors]
  cc = _source(banner, "errors", [], [
      "namespace {", "",
      "constexpr ErrorInfo kErrors[] = {"] + rows + ["};", "",
      "}  // namespace", "",
      "const ErrorInfo* FindErrorInfo(int16_t code) {",
      "  for (const ErrorInfo& info : kErrors) {",
      "    if (ToInt16(info.code) == code) return &info;",
      "  }",
      "  return nullptr;",
      "}", "",
      "absl::string_view ErrorName(ErrorCode code) {",
      "  const ErrorInfo* info = FindErrorInfo(ToInt16(code));",
      "  return info == nullptr ? \"UNKNOWN_ERROR_CODE\" : info->name;",
      "}", "",
      "absl::string_view ErrorMessage(ErrorCode code) {",
      "  const ErrorInfo* info = FindErrorInfo(ToInt16(code));",
      "  return info == nullptr ? \"Unknown error code.\" : info->message;",
      "}", "",
      "bool IsRetriable(ErrorCode code) {",
      "  const ErrorInfo* info = FindErrorInfo(ToInt16(code));",
      "  return info != nullptr && info->retriable;",
      "}",
  ])
  return {"errors.h": h, "errors.cc": cc}


# ---------------------------------------------------------------------------
# Test filler.

def _fill_value(gm, ctx, f, k):
  """C++ expression of a non-default value for a scalar/string field."""
  if f.elem in ("string",):
    return 'TestString("%s", seed)' % f.name
  if f.elem in ("bytes", "records"):
    return "TestBytes(seed + %d)" % k
  if f.elem == "bool":
    return "seed % 2 == 1"
  if f.elem == "float64":
    return "seed + %d * 0.25" % k
  if f.elem == "uuid":
    return "TestUuid(seed, %d)" % k
  ctype = gm.SCALARS[f.elem][0]
  scale = {"int8_t": 10, "int16_t": 100}.get(ctype, 100000)
  return "static_cast<%s>(seed * %d + %d)" % (ctype, scale, k)


def _fill_lines(gm, ctx, f, k):
  n = "m->" + f.cname
  opt = ctx.optional(f)
  target = n + (".emplace()" if opt else "")
  if f.is_array:
    if f.is_struct:
      body = ["auto& v = %s;" % target, "v.clear();",
              "for (int i = 0; i < 2; ++i) {",
              "  FillForTest(&v.emplace_back(), version, seed + i);", "}"]
    else:
      t = ctx.elem_type(f)
      if f.elem == "string":
        vals = ['TestString("%s", seed)' % f.name,
                'TestString("%s", seed + 1)' % f.name]
      else:
        vals = ["static_cast<%s>(seed + %d)" % (t, k),
                "static_cast<%s>(-seed - %d)" % (t, k)]
      body = ["%s = std::vector<%s>{%s};" % (target, t, ", ".join(vals))]
  elif f.is_struct:
    body = ["FillForTest(&%s, version, seed);" % n]
  else:
    body = ["%s = %s;" % (n, _fill_value(gm, ctx, f, k))]
  if opt:
    nrng = f.nullable_in(ctx.served)
    cond = ctx.cond(nrng, f.present(ctx.served))
    null_if = "seed % 2 == 0" if cond is None else "(%s) && seed %% 2 == 0" % (
        cond)
    body = (["if (%s) {" % null_if, "  %s.reset();" % n, "} else {"] +
            gm.indent(body) + ["}"])
  elif len(body) > 1:
    body = ["{"] + gm.indent(body) + ["}"]
  return gm.guarded(ctx.cond(f.present(ctx.served)), body)


def fill_files(apis, banner, gm):
  decls, defs, = [], []
  for a in apis:
    for ctx in (a.request, a.response):
      structs = gm.ordered_structs(ctx, ctx.msg.fields, set(), [])
      targets = [("%s::%s" % (ctx.msg.name, s.name), s.fields)
                 for s in structs] + [(ctx.msg.name, ctx.msg.fields)]
      for qual, fields in targets:
        sig = "void FillForTest(%s* m, int16_t version, int seed)" % qual
        decls.append(sig + ";")
        body = []
        for k, f in enumerate(ctx.fields(fields), 1):
          body += _fill_lines(gm, ctx, f, k)
        defs += [sig + " {"] + gm.indent(
            body or ["(void)m;", "(void)version;", "(void)seed;"]) + ["}", ""]
  h = _header(banner, "test_fill", [
      "Tests only: FillForTest sets every field present in `version` to a",
      "value derived from `seed` (nullable fields are null for even seeds),",
      "leaving fields the version lacks at their defaults, so that a filled",
      "message survives Encode/Decode unchanged.", "",
      "Thread-safety: pure functions."
  ], ["#include <cstdint>", "", '#include "absl/status/statusor.h"',
      '#include "lib/protocol/messages/dispatch.h"'], decls + [
      "",
      "// A filled request/response of `api_key` at `version`; errors if the",
      "// key is not served.",
      "absl::StatusOr<Request> MakeFilledRequest(int16_t api_key, "
      "int16_t version,",
      "                                          int seed);",
      "absl::StatusOr<Response> MakeFilledResponse(int16_t api_key,",
      "                                            int16_t version, int seed);",
  ])
  def make(kind):
    out = ["absl::StatusOr<%s> MakeFilled%s(int16_t api_key, int16_t version,"
           % (kind, kind),
           "                                          int seed) {",
           "  switch (api_key) {"]
    for a in apis:
      out += ["    case %d: {" % a.key,
              "      %s%s m;" % (a.name, kind),
              "      FillForTest(&m, version, seed);",
              "      return %s(std::move(m));" % kind, "    }"]
    out += ["  }", '  return absl::NotFoundError("api key not served");', "}",
            ""]
    return out
  cc = _source(banner, "test_fill", [
      "#include <string>", "#include <utility>", "#include <vector>"], [
      "namespace {", "",
      "std::string TestString(const char* field, int seed) {",
      "  return std::string(field) + \"-\" + std::to_string(seed);",
      "}", "",
      "std::string TestBytes(int seed) {",
      "  std::string s(\"\\0\\xff\\x01bytes-\", 10);",
      "  return s + std::to_string(seed);",
      "}", "",
      "Uuid TestUuid(int seed, int k) {",
      "  Uuid u;",
      "  for (int i = 0; i < 16; ++i) {",
      "    u.bytes[i] = static_cast<uint8_t>(seed * 16 + k + i);",
      "  }",
      "  return u;",
      "}", "",
      "}  // namespace", ""] + defs + make("Request") + make("Response"))
  return {"test_fill.h": h, "test_fill.cc": cc}
