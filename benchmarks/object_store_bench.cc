// Object store throughput and latency: PUT and GET of 1 MiB and 8 MiB objects
// with 1 and 16 requests in flight, on the local folder (fsync'd) and on a
// real S3-compatible server (s3rver, started by this program when WARP_S3RVER
// points at it), plus the cost of SigV4 signing.
//
//   bazel run -c opt //benchmarks:object_store_bench -- \
//     --benchmark_min_time=1 [--benchmark_filter=Local]
//   WARP_S3RVER=$PWD/tools/node_modules/.bin/s3rver bazel-bin/benchmarks/object_store_bench
//
// Each PUT/GET benchmark iteration moves `in_flight` objects at once; the
// counters report MiB/s and the per-request latency p50/p99.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "lib/storage/s3/sigv4.h"
#include "tests/util/s3rver.h"
#include "tests/util/subprocess.h"
#include "warp/local_object_store.h"
#include "warp/s3_object_store.h"

namespace warp {
namespace {

enum Backend { kLocal = 0, kS3rver = 1 };

ObjectStore* StoreFor(Backend backend) {
  static std::unique_ptr<ObjectStore> local;
  static std::unique_ptr<testing::S3rver> server;
  static std::unique_ptr<ObjectStore> s3;
  if (backend == kLocal) {
    if (!local) {
      local = *OpenLocalObjectStore(testing::NewTempDir("bench-local"));
    }
    return local.get();
  }
  if (!s3) {
    auto started = testing::S3rver::Start("bench");
    if (!started.ok()) return nullptr;
    server = *std::move(started);
    s3 = *OpenS3ObjectStore(server->StoreOptions());
  }
  return s3.get();
}

std::string Payload(size_t size) {
  std::string data(size, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, 8);
  }
  return data;
}

// Runs `in_flight` concurrent requests per iteration; reports throughput and
// request latency percentiles.
void RunConcurrent(benchmark::State& state, bool put) {
  Backend backend = static_cast<Backend>(state.range(0));
  size_t size = static_cast<size_t>(state.range(1)) << 20;
  int in_flight = static_cast<int>(state.range(2));
  ObjectStore* store = StoreFor(backend);
  if (store == nullptr) {
    state.SkipWithError("no s3rver: set WARP_S3RVER");
    return;
  }
  std::string data = Payload(size);
  std::string prefix = absl::StrCat("bench/", size, "/", in_flight, "/");
  if (!put) {
    for (int i = 0; i < in_flight; ++i) {
      if (!store->Put(absl::StrCat(prefix, i), data).ok()) {
        state.SkipWithError("seed put failed");
        return;
      }
    }
  }
  std::vector<double> latencies_ms;
  absl::Mutex mu;
  int64_t round = 0;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int i = 0; i < in_flight; ++i) {
      threads.emplace_back([&, i] {
        std::string key = absl::StrCat(prefix, put ? round * in_flight + i : i);
        absl::Time start = absl::Now();
        bool ok = put ? store->Put(key, data).ok() : store->Get(key).ok();
        double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        absl::MutexLock lock(&mu);
        if (ok) latencies_ms.push_back(ms);
      });
    }
    for (auto& t : threads) t.join();
    ++round;
  }
  if (latencies_ms.size() != static_cast<size_t>(round * in_flight)) {
    state.SkipWithError("some requests failed");
    return;
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  state.SetBytesProcessed(static_cast<int64_t>(size) * in_flight * round);
  state.counters["p50_ms"] = latencies_ms[latencies_ms.size() / 2];
  state.counters["p99_ms"] = latencies_ms[latencies_ms.size() * 99 / 100];
  state.counters["requests_per_s"] = benchmark::Counter(
      static_cast<double>(in_flight), benchmark::Counter::kIsIterationInvariantRate);
  if (put) {
    std::vector<std::string> keys;
    for (int64_t i = 0; i < round * in_flight; ++i) {
      keys.push_back(absl::StrCat(prefix, i));
    }
    (void)store->DeleteMany(keys);
  }
}

void BM_Put(benchmark::State& state) { RunConcurrent(state, /*put=*/true); }
void BM_Get(benchmark::State& state) { RunConcurrent(state, /*put=*/false); }

void Configs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend(0=local,1=s3rver)", "MiB", "in_flight"});
  for (int backend : {kLocal, kS3rver}) {
    for (int mib : {1, 8}) {
      for (int in_flight : {1, 16}) b->Args({backend, mib, in_flight});
    }
  }
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Put)->Apply(Configs);
BENCHMARK(BM_Get)->Apply(Configs);

// SigV4 header signing of one S3 request (cached signing key, as the store
// does), without and with hashing an 8 MiB payload.
void BM_SignRequest(benchmark::State& state) {
  s3::HttpRequestToSign request{"PUT", "/bucket/warp/vc/0000001700000000-abcdef",
                                {}, {{"Host", "s3.us-east-1.amazonaws.com"},
                                     {"Content-Type", "application/octet-stream"}},
                                std::string(s3::kUnsignedPayload)};
  absl::Time now = absl::FromUnixSeconds(1700000000);
  auto key = s3::DeriveSigningKey("secret", now, "us-east-1", "s3");
  s3::SigningParams params{{"AKIDEXAMPLE", "secret", ""}, "us-east-1", "s3", now};
  params.cached_key = &*key;
  for (auto _ : state) {
    auto signature = s3::SignRequest(request, params);
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_SignRequest);

void BM_PayloadSha256(benchmark::State& state) {
  std::string data = Payload(static_cast<size_t>(state.range(0)) << 20);
  for (auto _ : state) benchmark::DoNotOptimize(s3::Sha256Hex(data));
  state.SetBytesProcessed(static_cast<int64_t>(data.size()) * state.iterations());
}
BENCHMARK(BM_PayloadSha256)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace warp

BENCHMARK_MAIN();
