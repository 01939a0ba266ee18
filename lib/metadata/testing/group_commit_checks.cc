#include "lib/metadata/testing/group_commit_checks.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warp {

Command LargeCommand(const std::string& agent, size_t bytes) {
  AgentInfo info;
  info.id = agent;
  info.address = std::string(bytes, 'p');
  return RegisterAgent{std::move(info)};
}

namespace {

bool Registered(MetadataStore* store, const std::string& agent) {
  for (const AgentInfo& a : store->LiveAgents()) {
    if (a.id == agent) return true;
  }
  return false;
}

// Runs `count` callers of LargeCommand at once; returns how many succeeded.
int RunConcurrently(MetadataStore* store, const std::string& name, int count,
                    size_t bytes) {
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < count; ++i) {
    callers.emplace_back([&, i] {
      absl::StatusOr<CommandResult> r =
          store->Execute(LargeCommand(absl::StrCat(name, "-", i), bytes));
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok()) ok++;
    });
  }
  for (std::thread& t : callers) t.join();
  return ok.load();
}

}  // namespace

void ExpectLargeCommandsAllCommit(MetadataStore* store, int count, size_t bytes) {
  EXPECT_EQ(RunConcurrently(store, "large", count, bytes), count);
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(Registered(store, absl::StrCat("large-", i))) << i;
  }
}

void ExpectOversizedCommandFailsAlone(MetadataStore* store, size_t oversized,
                                      size_t limit, int neighbours, size_t bytes) {
  absl::StatusOr<CommandResult> big;
  std::thread sender([&] { big = store->Execute(LargeCommand("oversized", oversized)); });
  EXPECT_EQ(RunConcurrently(store, "neighbour", neighbours, bytes), neighbours);
  sender.join();
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument) << big.status();
  EXPECT_NE(big.status().message().find(absl::StrCat(limit)), std::string::npos)
      << big.status();
  EXPECT_NE(big.status().message().find("bytes exceeds"), std::string::npos)
      << big.status();
  EXPECT_FALSE(Registered(store, "oversized"));
}

}  // namespace warp
