// TransactionIndex against a reference model that recomputes, from the whole
// history of one partition, what Kafka's definitions say: the LSO (the first
// offset of the earliest open transaction) and the aborted transactions a
// fetch reports. Random histories of interleaved producers, plus Kafka's
// documented cases.
#include "lib/metadata/transaction_index.h"

#include <optional>
#include <random>

#include "gtest/gtest.h"

namespace warp::metadata {
namespace {

// One event of a partition's history, at `offset`.
struct Event {
  enum Kind { kData, kPlain, kMarker } kind;
  int64_t producer = -1;
  int64_t offset = 0;
  int64_t last = 0;  // data: the batch's last offset
  bool commit = false;
};

struct Reference {
  std::vector<Event> events;
  int64_t log_start = 0;
  int64_t hwm = 0;

  // For each producer: the first offset of its open transaction, if any.
  std::map<int64_t, int64_t> Open() const {
    std::map<int64_t, int64_t> open;
    for (const Event& e : events) {
      if (e.kind == Event::kData) open.try_emplace(e.producer, e.offset);
      if (e.kind == Event::kMarker) open.erase(e.producer);
    }
    return open;
  }
  int64_t Lso() const {
    int64_t lso = hwm;
    for (const auto& [p, first] : Open()) lso = std::min(lso, first);
    return lso;
  }
  std::vector<AbortedTransaction> AllAborted() const {
    std::vector<AbortedTransaction> out;
    std::map<int64_t, int64_t> open;
    for (const Event& e : events) {
      if (e.kind == Event::kData) open.try_emplace(e.producer, e.offset);
      if (e.kind == Event::kMarker) {
        auto it = open.find(e.producer);
        if (it != open.end() && !e.commit) out.push_back({e.producer, it->second, e.offset});
        if (it != open.end()) open.erase(it);
      }
    }
    std::erase_if(out, [&](const AbortedTransaction& a) { return a.last_offset < log_start; });
    return out;
  }
  std::vector<AbortedTransaction> Aborted(int64_t from, int64_t bound) const {
    std::vector<AbortedTransaction> out;
    for (const AbortedTransaction& a : AllAborted()) {
      if (a.last_offset >= from && a.first_offset < bound) out.push_back(a);
    }
    return out;
  }
};

TEST(TransactionIndexTest, KafkasCases) {
  TransactionIndex index;
  // p1 writes 0-2, p2 writes 3-4, p1 aborts at 5, a plain batch at 6, p2
  // commits at 7.
  index.OnTransactionalBatch(1, 0);
  index.OnTransactionalBatch(2, 3);
  index.OnTransactionalBatch(1, 4);  // p1 again: still open from 0
  EXPECT_EQ(index.LastStableOffset(5), 0);
  index.OnMarker(1, 5, /*commit=*/false);
  EXPECT_EQ(index.LastStableOffset(7), 3);
  index.OnMarker(2, 7, /*commit=*/true);
  EXPECT_EQ(index.LastStableOffset(8), 8);
  EXPECT_EQ(index.Aborted(0, 8), (std::vector<AbortedTransaction>{{1, 0, 5}}));
  EXPECT_EQ(index.Aborted(6, 8), std::vector<AbortedTransaction>{});  // after its marker
  EXPECT_EQ(index.Aborted(5, 8).size(), 1u);                          // at its marker
  // A marker for a producer with nothing open (a partition of the
  // transaction that got no data) changes nothing.
  index.OnMarker(9, 8, false);
  EXPECT_EQ(index.aborted().size(), 1u);
  // Retention past the marker forgets the aborted transaction.
  index.AdvanceLogStart(6);
  EXPECT_TRUE(index.aborted().empty());
}

TEST(TransactionIndexTest, RandomHistoriesAgreeWithTheModel) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    TransactionIndex index;
    Reference ref;
    for (int step = 0; step < 300; ++step) {
      int64_t producer = 1 + static_cast<int64_t>(rng() % 4);
      switch (rng() % 8) {
        case 0:
        case 1:
        case 2: {  // a transactional batch
          int64_t records = 1 + static_cast<int64_t>(rng() % 5);
          index.OnTransactionalBatch(producer, ref.hwm);
          ref.events.push_back({Event::kData, producer, ref.hwm, ref.hwm + records - 1});
          ref.hwm += records;
          break;
        }
        case 3: {  // a plain batch
          ref.events.push_back({Event::kPlain, -1, ref.hwm, ref.hwm});
          ++ref.hwm;
          break;
        }
        case 4:
        case 5: {  // a marker
          bool commit = rng() % 2 == 0;
          index.OnMarker(producer, ref.hwm, commit);
          ref.events.push_back({Event::kMarker, producer, ref.hwm, ref.hwm, commit});
          ++ref.hwm;
          break;
        }
        case 6: {  // retention
          if (rng() % 4 != 0) break;
          int64_t start = ref.log_start + static_cast<int64_t>(rng() % 10);
          start = std::min(start, ref.hwm);
          index.AdvanceLogStart(start);
          ref.log_start = start;
          break;
        }
        default: {  // a snapshot round trip
          TransactionIndex copy;
          copy.Restore(index.open(), index.aborted());
          index = copy;
        }
      }
      ASSERT_EQ(index.LastStableOffset(ref.hwm), ref.Lso()) << "seed " << seed << " step " << step;
      ASSERT_EQ(index.open(), ref.Open()) << "seed " << seed;
      int64_t from = ref.log_start + static_cast<int64_t>(rng() % (ref.hwm - ref.log_start + 1));
      int64_t bound = from + static_cast<int64_t>(rng() % 20);
      ASSERT_EQ(index.Aborted(from, bound), ref.Aborted(from, bound))
          << "seed " << seed << " step " << step << " fetch " << from << ".." << bound;
    }
  }
}

}  // namespace
}  // namespace warp::metadata
