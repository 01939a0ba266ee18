#include "lib/metadata/etcd/etcd_json.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warp::metadata::etcd {
namespace {

// Answers as etcd 3.4.23's gateway sent them (int64s as strings, keys and
// values base64: "/warp/log/a" and "val\0\xff").
constexpr char kHeader[] =
    R"("header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437",)"
    R"("revision":"3","raft_term":"2"})";
constexpr char kKv[] =
    R"({"key":"L3dhcnAvbG9nL2E=","create_revision":"2","mod_revision":"2","version":"1",)"
    R"("value":"dmFsAP8="})";

Json Object(const std::string& text) {
  absl::StatusOr<Json> parsed = ParseJsonObject(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " for " << text;
  return parsed.ok() ? *parsed : Json::object();
}

absl::StatusCode RangeCode(const std::string& text) {
  return ParseRangeResponse(Object(text)).status().code();
}

absl::StatusCode WatchCode(const std::string& line) {
  return ParseWatchMessage(line).status().code();
}

TEST(EtcdJsonTest, RangeResponse) {
  absl::StatusOr<RangeResult> range = ParseRangeResponse(
      Object(absl::StrCat("{", kHeader, R"(,"kvs":[)", kKv, R"(],"more":true,"count":"2"})")));
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->revision, 3);
  EXPECT_TRUE(range->more);
  ASSERT_EQ(range->kvs.size(), 1u);
  EXPECT_EQ(range->kvs[0].key, "/warp/log/a");
  EXPECT_EQ(range->kvs[0].value, std::string("val\0\xff", 5));
  EXPECT_EQ(range->kvs[0].create_revision, 2);
  EXPECT_EQ(range->kvs[0].mod_revision, 2);
}

TEST(EtcdJsonTest, EmptyRangeOmitsEverything) {
  absl::StatusOr<RangeResult> range = ParseRangeResponse(Object(absl::StrCat("{", kHeader, "}")));
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->revision, 3);
  EXPECT_FALSE(range->more);
  EXPECT_TRUE(range->kvs.empty());
  // keys_only, or an empty value: no "value".
  range = ParseRangeResponse(Object(R"({"kvs":[{"key":"YQ==","mod_revision":7}]})"));
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->kvs[0].key, "a");
  EXPECT_EQ(range->kvs[0].value, "");
  EXPECT_EQ(range->kvs[0].mod_revision, 7);  // a JSON number is read too
}

TEST(EtcdJsonTest, PutAndTxnResponses) {
  absl::StatusOr<int64_t> put = ParseHeaderRevision(Object(absl::StrCat("{", kHeader, "}")));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(*put, 3);

  absl::StatusOr<TxnResponse> created = ParseTxnResponse(Object(absl::StrCat(
      "{", kHeader,
      R"(,"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}}]})")));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->succeeded);
  EXPECT_EQ(created->revision, 3);
  EXPECT_TRUE(created->range_kvs.empty());

  absl::StatusOr<TxnResponse> found = ParseTxnResponse(Object(absl::StrCat(
      "{", kHeader, R"(,"responses":[{"response_range":{"header":{"revision":"3"},"kvs":[)", kKv,
      R"(],"count":"1"}}]})")));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->succeeded);
  ASSERT_EQ(found->range_kvs.size(), 1u);
  EXPECT_EQ(found->range_kvs[0].mod_revision, 2);
}

TEST(EtcdJsonTest, ErrorMessage) {
  EXPECT_EQ(ErrorMessage(R"({"error":"etcdserver: mvcc: required revision has been compacted",)"
                         R"("message":"etcdserver: mvcc: required revision has been compacted",)"
                         R"("code":11})"),
            "etcdserver: mvcc: required revision has been compacted");
  EXPECT_EQ(ErrorMessage(R"({"error":"only error"})"), "only error");
  // A message of another type is passed over, never thrown on.
  EXPECT_EQ(ErrorMessage(R"({"message":42,"error":"the error"})"), "the error");
  EXPECT_EQ(ErrorMessage(R"({"message":{},"error":[]})"), R"({"message":{},"error":[]})");
  EXPECT_EQ(ErrorMessage(std::string(300, 'x')), std::string(200, 'x'));
  EXPECT_EQ(ErrorMessage(""), "");
}

TEST(EtcdJsonTest, WatchMessages) {
  absl::StatusOr<std::vector<WatchEvent>> events =
      ParseWatchMessage(absl::StrCat(R"({"result":{)", kHeader, R"(,"created":true}})"));
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());

  events = ParseWatchMessage(absl::StrCat(R"({"result":{)", kHeader, R"(,"events":[{"kv":)", kKv,
                                          R"(},{"type":"DELETE","kv":{"key":"YQ==",)"
                                          R"("mod_revision":"5"}}]}})"));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_FALSE((*events)[0].is_delete);
  EXPECT_EQ((*events)[0].kv.key, "/warp/log/a");
  EXPECT_TRUE((*events)[1].is_delete);
  EXPECT_EQ((*events)[1].kv.key, "a");
  EXPECT_EQ((*events)[1].kv.mod_revision, 5);

  events = ParseWatchMessage(
      R"({"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"3"}})");
  EXPECT_EQ(events.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(events.status().message(), "etcd compacted past the watch start (compact revision 3)");

  events =
      ParseWatchMessage(R"({"result":{"canceled":true,"cancel_reason":"etcdserver: no leader"}})");
  EXPECT_EQ(events.status(),
            absl::UnavailableError("etcd cancelled the watch: etcdserver: no leader"));

  events = ParseWatchMessage(R"({"error":{"grpc_code":14,"http_code":503,)"
                             R"("message":"etcdserver: no leader"}})");
  EXPECT_EQ(events.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      events.status().message(),
      R"(etcd watch failed: {"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"})");
}

TEST(EtcdJsonTest, Int64s) {
  auto read = [](const std::string& value) {
    return Int64Member(Object(absl::StrCat(R"({"n":)", value, "}")), "n");
  };
  EXPECT_EQ(*read(R"("9223372036854775807")"), INT64_MAX);
  EXPECT_EQ(*read("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(*read("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(*read(R"("-5")"), -5);
  for (const char* bad : {R"("9223372036854775808")", "9223372036854775808", "18446744073709551615",
                          "123456789012345678901234567890", R"("12abc")", R"("")", "1.5", "true",
                          "null", "[]", "{}"}) {
    EXPECT_EQ(read(bad).status().code(), absl::StatusCode::kDataLoss) << bad;
  }
  EXPECT_EQ(*Int64Member(Object("{}"), "n"), 0);
  EXPECT_EQ(*Int64Member(Json::array({1}), "n"), 0);  // no object: no members
}

TEST(EtcdJsonTest, WrongTypesAreDataLossNeverThrown) {
  const Json hostile[] = {
      nullptr, true, 1, -1, 1.5, "s", Json::array(), Json::object(), Json::array({1, "x"})};
  for (const Json& v : hostile) {
    Json j = {{"m", v}};
    SCOPED_TRACE(j.dump());
    auto code = [](const absl::Status& s) { return s.code(); };
    EXPECT_EQ(code(BoolMember(j, "m").status()),
              v.is_boolean() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(code(StringMember(j, "m").status()),
              v.is_string() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(code(ObjectMember(j, "m").status()),
              v.is_object() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(code(ArrayMember(j, "m").status()),
              v.is_array() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    // Not a string, or "s": not base64.
    EXPECT_EQ(code(Base64Member(j, "m").status()), absl::StatusCode::kDataLoss);
    EXPECT_EQ(code(ParseKeyValue(v).status()),
              v.is_object() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);

    const std::string text = v.dump();
    for (const std::string& range :
         {absl::StrCat(R"({"header":)", text, "}"),
          absl::StrCat(R"({"header":{"revision":)", text, "}}"),
          absl::StrCat(R"({"more":)", text, "}"), absl::StrCat(R"({"kvs":)", text, "}"),
          absl::StrCat(R"({"kvs":[)", text, "]}"), absl::StrCat(R"({"kvs":[{"key":)", text, "}]}"),
          absl::StrCat(R"({"kvs":[{"value":)", text, "}]}"),
          absl::StrCat(R"({"kvs":[{"create_revision":)", text, "}]}"),
          absl::StrCat(R"({"kvs":[{"mod_revision":)", text, "}]}")}) {
      absl::StatusCode got = RangeCode(range);
      EXPECT_TRUE(got == absl::StatusCode::kOk || got == absl::StatusCode::kDataLoss) << range;
    }
    EXPECT_EQ(RangeCode(absl::StrCat(R"({"more":)", text, "}")),
              v.is_boolean() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(RangeCode(absl::StrCat(R"({"kvs":[)", text, "]}")),
              v.is_object() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);

    for (const std::string& txn :
         {absl::StrCat(R"({"succeeded":)", text, "}"), absl::StrCat(R"({"responses":)", text, "}"),
          absl::StrCat(R"({"responses":[)", text, "]}"),
          absl::StrCat(R"({"responses":[{"response_range":)", text, "}]}"),
          absl::StrCat(R"({"responses":[{"response_range":{"kvs":)", text, "}}]}"),
          absl::StrCat(R"({"responses":[{"response_range":{"kvs":[)", text, "]}}]}")}) {
      absl::StatusCode got = ParseTxnResponse(Object(txn)).status().code();
      EXPECT_TRUE(got == absl::StatusCode::kOk || got == absl::StatusCode::kDataLoss) << txn;
    }
    EXPECT_EQ(ParseTxnResponse(Object(absl::StrCat(R"({"succeeded":)", text, "}"))).status().code(),
              v.is_boolean() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);

    for (const std::string& line :
         {absl::StrCat(R"({"result":)", text, "}"),
          absl::StrCat(R"({"result":{"compact_revision":)", text, "}}"),
          absl::StrCat(R"({"result":{"canceled":)", text, "}}"),
          absl::StrCat(R"({"result":{"canceled":true,"cancel_reason":)", text, "}}"),
          absl::StrCat(R"({"result":{"events":)", text, "}}"),
          absl::StrCat(R"({"result":{"events":[)", text, "]}}"),
          absl::StrCat(R"({"result":{"events":[{"type":)", text, "}]}}"),
          absl::StrCat(R"({"result":{"events":[{"kv":)", text, "}]}}"),
          absl::StrCat(R"({"result":{"events":[{"kv":{"key":)", text, "}}]}}")}) {
      absl::StatusCode got = WatchCode(line);
      EXPECT_TRUE(got == absl::StatusCode::kOk || got == absl::StatusCode::kDataLoss ||
                  got == absl::StatusCode::kUnavailable || got == absl::StatusCode::kOutOfRange)
          << line;
    }
    EXPECT_EQ(WatchCode(absl::StrCat(R"({"result":{"events":[)", text, "]}}")),
              v.is_object() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(WatchCode(absl::StrCat(R"({"result":{"events":[{"type":)", text, "}]}}")),
              v.is_string() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    EXPECT_EQ(WatchCode(absl::StrCat(R"({"result":)", text, "}")),
              v.is_object() ? absl::StatusCode::kOk : absl::StatusCode::kDataLoss);
    // Any "error", whatever its type, fails the watch.
    EXPECT_EQ(WatchCode(absl::StrCat(R"({"error":)", text, "}")), absl::StatusCode::kUnavailable);
  }
}

TEST(EtcdJsonTest, InvalidBase64) {
  for (const char* bad : {R"("not base64!")", R"("YQ=x")", R"("Y")", R"("\u0000")"}) {
    EXPECT_EQ(RangeCode(absl::StrCat(R"({"kvs":[{"key":)", bad, "}]}")),
              absl::StatusCode::kDataLoss)
        << bad;
  }
  EXPECT_EQ(*Base64Member(Object(R"({"k":"YQ"})"), "k"), "a");  // unpadded
  EXPECT_EQ(*Base64Member(Object(R"({"k":""})"), "k"), "");
}

TEST(EtcdJsonTest, UnreadableBodies) {
  for (const std::string& bad :
       {std::string(""), std::string("not json"), std::string("[]"), std::string("\"s\""),
        std::string("1"), std::string("null"), std::string("{\"a\":"), std::string("{\"a\":1}{"),
        std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":\"\\ud800\"}"),
        std::string("{\"a\":1}\0", 8), std::string("{\"a\":1}\0junk", 12),
        std::string("{\"a\":1e400}")}) {
    EXPECT_EQ(ParseJsonObject(bad).status().code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_EQ(WatchCode(bad), absl::StatusCode::kDataLoss) << bad;
  }
  EXPECT_EQ(ParseWatchMessage("[]").status().message(),
            "unreadable etcd watch message: etcd answer is of type array, expected an object");
}

TEST(EtcdJsonTest, DeepNestingIsRefusedBeforeParsing) {
  // 100,000 levels would overflow the stack when copied or dumped.
  for (const char* open : {"[", "{\"a\":"}) {
    std::string deep = "{\"error\":";
    for (int i = 0; i < 100000; ++i) deep += open;
    EXPECT_EQ(ParseJsonObject(deep).status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(WatchCode(deep), absl::StatusCode::kDataLoss);
    EXPECT_EQ(ErrorMessage(deep), deep.substr(0, 200));
  }
  std::string deep = "{\"error\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ParseJsonObject(deep).status(),
            absl::DataLossError("etcd answer nested deeper than 512 levels"));
  EXPECT_EQ(WatchCode(deep), absl::StatusCode::kDataLoss);

  // The limit itself is fine, and brackets inside strings do not count.
  auto nested = [](int levels) {
    return "{\"error\":" + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
  };
  EXPECT_TRUE(ParseJsonObject(nested(kMaxJsonDepth)).ok());
  EXPECT_FALSE(ParseJsonObject(nested(kMaxJsonDepth + 1)).ok());
  EXPECT_EQ(WatchCode(nested(kMaxJsonDepth)), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(ParseJsonObject("{\"a\":\"" + std::string(1000, '[') + "\\\"\"}").ok());
}

TEST(EtcdJsonTest, HugeValues) {
  // A long key and many kvs are read whole.
  const std::string key(1 << 20, 'k');
  std::string many = R"({"kvs":[)";
  for (int i = 0; i < 10000; ++i) many += absl::StrCat(i ? "," : "", R"({"key":"YQ=="})");
  many += "]}";
  absl::StatusOr<RangeResult> range = ParseRangeResponse(Object(many));
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->kvs.size(), 10000u);
  // Messages quote at most about 100 bytes of a bad value.
  absl::StatusOr<int64_t> n = Int64Member(Object(R"({"n":")" + key + "\"}"), "n");
  EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_LT(n.status().message().size(), 200u);
}

}  // namespace
}  // namespace warp::metadata::etcd
