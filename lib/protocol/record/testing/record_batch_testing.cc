#include "lib/protocol/record/testing/record_batch_testing.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::kafka::testing {
namespace {

std::optional<std::string> RandomBytes(std::mt19937_64& rng, size_t max_size,
                                       bool nullable) {
  switch (rng() % 8) {
    case 0:
      if (nullable) return std::nullopt;
      return std::string();
    case 1:
      return std::string();
    default: {
      std::string bytes(rng() % (max_size + 1), '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      return bytes;
    }
  }
}

void PrintField(std::ostream& os, const std::optional<std::string>& field) {
  if (!field.has_value()) {
    os << "null";
  } else if (field->size() > 32) {
    os << field->size() << " bytes";
  } else {
    os << '"' << absl::CHexEscape(*field) << '"';
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const OwnedRecord& record) {
  os << "{ts=" << record.timestamp << " key=";
  PrintField(os, record.key);
  os << " value=";
  PrintField(os, record.value);
  os << " headers=[";
  for (const auto& [key, value] : record.headers) {
    os << '"' << absl::CHexEscape(key) << "\":";
    PrintField(os, value);
    os << ' ';
  }
  return os << "]}";
}

absl::StatusOr<std::string> BuildBatch(const std::vector<OwnedRecord>& records,
                                       const RecordBatchOptions& options) {
  std::vector<std::vector<RecordHeaderView>> headers(records.size());
  std::vector<RecordInput> inputs(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    for (const auto& [key, value] : records[i].headers) {
      headers[i].push_back(RecordHeaderView{key, value});
    }
    inputs[i].key = records[i].key;
    inputs[i].value = records[i].value;
    inputs[i].headers = headers[i];
    inputs[i].timestamp = records[i].timestamp;
  }
  return BuildRecordBatch(inputs, options);
}

absl::StatusOr<std::vector<OwnedRecord>> DecodeBatch(
    absl::string_view batch, const DecodeOptions& options) {
  ASSIGN_OR_RETURN(DecodedRecordBatch decoded,
                   DecodedRecordBatch::Decode(batch, options));
  std::vector<OwnedRecord> records;
  for (const RecordView& view : decoded.records()) {
    OwnedRecord record;
    if (view.key) record.key = std::string(*view.key);
    if (view.value) record.value = std::string(*view.value);
    for (const RecordHeaderView& header : view.headers) {
      std::optional<std::string> value;
      if (header.value) value = std::string(*header.value);
      record.headers.emplace_back(std::string(header.key), std::move(value));
    }
    record.timestamp = RecordTimestamp(decoded.header(), view);
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<OwnedRecord> RandomRecords(std::mt19937_64& rng, int count,
                                       size_t max_size,
                                       int64_t first_timestamp) {
  std::vector<OwnedRecord> records(count);
  int64_t timestamp = first_timestamp;
  for (OwnedRecord& record : records) {
    record.key = RandomBytes(rng, max_size / 4, /*nullable=*/true);
    record.value = RandomBytes(rng, max_size, /*nullable=*/true);
    const int header_count = rng() % 4 == 0 ? rng() % 4 : 0;
    for (int h = 0; h < header_count; ++h) {
      record.headers.emplace_back(
          *RandomBytes(rng, 16, /*nullable=*/false),
          RandomBytes(rng, max_size / 8, /*nullable=*/true));
    }
    timestamp += static_cast<int64_t>(rng() % 1000) - 100;
    record.timestamp = timestamp;
  }
  return records;
}

std::string JsonLogLine(std::mt19937_64& rng, size_t size) {
  static const char* const kLevels[] = {"INFO", "INFO",  "INFO",
                                        "WARN", "DEBUG", "ERROR"};
  static const char* const kServices[] = {"checkout",  "payments", "search",
                                          "inventory", "auth",     "gateway"};
  static const char* const kWords[] = {
      "request", "completed",  "user",      "session",  "cache",
      "miss",    "timeout",    "retrying",  "upstream", "order",
      "created", "token",      "refreshed", "query",    "took",
      "rows",    "returned",   "for",       "the",      "shard",
      "replica", "connection", "pool",      "exhausted"};
  std::string line = absl::StrCat(
      R"({"ts":"2024-10-25T12:)", 10 + rng() % 50, ":", 10 + rng() % 50, ".",
      100 + rng() % 900, R"(Z","level":")", kLevels[rng() % 6],
      R"(","service":")", kServices[rng() % 6], R"(","host":"web-)", rng() % 64,
      R"(","trace_id":")", absl::Hex(rng(), absl::kZeroPad16),
      R"(","user_id":)", rng() % 100000, R"(,"latency_ms":)", rng() % 2000,
      R"(,"msg":")");
  while (line.size() + 2 < size) {
    absl::StrAppend(&line, kWords[rng() % 24], " ");
  }
  absl::StrAppend(&line, "\"}");
  return line;
}

std::vector<OwnedRecord> LogRecords(std::mt19937_64& rng, size_t total_bytes,
                                    size_t line_size) {
  std::vector<OwnedRecord> records;
  int64_t timestamp = 1729859696000;
  for (size_t bytes = 0; bytes < total_bytes; bytes += line_size) {
    OwnedRecord record;
    record.key = absl::StrCat("web-", rng() % 64);
    record.value = JsonLogLine(rng, line_size);
    record.timestamp = timestamp += rng() % 3;
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace warp::kafka::testing
