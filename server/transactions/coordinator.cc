#include "server/transactions/coordinator.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace warp::server::transactions {
namespace {

using kafka::ErrorCode;

TxnOutcome FromResult(const CommandResult& result) {
  TxnOutcome out;
  out.error = static_cast<ErrorCode>(result.error);
  out.message = result.message;
  out.producer_id = result.producer_id;
  out.producer_epoch = result.producer_epoch;
  return out;
}

}  // namespace

const char* TransactionStateName(TransactionState state) {
  switch (state) {
    case TransactionState::kEmpty: return "Empty";
    case TransactionState::kOngoing: return "Ongoing";
    case TransactionState::kPrepareCommit: return "PrepareCommit";
    case TransactionState::kPrepareAbort: return "PrepareAbort";
    case TransactionState::kCompleteCommit: return "CompleteCommit";
    case TransactionState::kCompleteAbort: return "CompleteAbort";
    case TransactionState::kDead: return "Dead";
  }
  return "Unknown";
}

absl::StatusOr<std::unique_ptr<TransactionCoordinator>> TransactionCoordinator::Create(
    TransactionCoordinatorOptions options) {
  if (options.metadata == nullptr) {
    return absl::InvalidArgumentError("transaction coordinator: a metadata store is required");
  }
  if (options.max_timeout <= absl::ZeroDuration() ||
      options.id_expiration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "transaction coordinator: the maximum timeout and the id expiration must be positive");
  }
  std::unique_ptr<TransactionCoordinator> coordinator(
      new TransactionCoordinator(std::move(options)));
  if (coordinator->options_.tick_interval > absl::ZeroDuration()) {
    coordinator->timer_ = std::thread([raw = coordinator.get()] { raw->TimerLoop(); });
  }
  return coordinator;
}

TransactionCoordinator::TransactionCoordinator(TransactionCoordinatorOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {}

TransactionCoordinator::~TransactionCoordinator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (timer_.joinable()) timer_.join();
}

void TransactionCoordinator::TimerLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.tick_interval);
      if (stopping_) return;
    }
    // A journal away now is tried again at the next tick.
    Tick().IgnoreError();
  }
}

groups::CoordinatorNode TransactionCoordinator::CoordinatorFor(
    absl::string_view transactional_id) {
  if (options_.placement == nullptr) {
    groups::CoordinatorNode self;
    self.local = true;
    return self;
  }
  return options_.placement->CoordinatorFor(transactional_id);
}

bool TransactionCoordinator::Local(absl::string_view transactional_id) {
  return CoordinatorFor(transactional_id).local;
}

absl::StatusOr<TxnOutcome> TransactionCoordinator::InitProducer(
    const std::string& transactional_id, int32_t timeout_ms, int64_t expected_producer_id,
    int16_t expected_epoch) {
  if (timeout_ms <= 0 || timeout_ms > absl::ToInt64Milliseconds(options_.max_timeout)) {
    TxnOutcome out;
    out.error = ErrorCode::kInvalidTransactionTimeout;
    out.message = absl::StrCat("The transaction timeout is larger than the maximum value allowed ",
                               "by the broker (as configured by --transaction_max_timeout_ms=",
                               absl::ToInt64Milliseconds(options_.max_timeout), ")");
    if (timeout_ms <= 0) out.message = "The transaction timeout must be positive";
    return out;
  }
  InitTransactionalProducer command;
  command.transactional_id = transactional_id;
  command.timeout_ms = timeout_ms;
  command.now_ms = absl::ToUnixMillis(clock_->Now());
  command.expected_producer_id = expected_producer_id;
  command.expected_epoch = expected_epoch;
  absl::StatusOr<CommandResult> result = options_.metadata->Execute(std::move(command));
  if (!result.ok()) return result.status();
  return FromResult(*result);
}

absl::StatusOr<TxnOutcome> TransactionCoordinator::Add(const std::string& transactional_id,
                                                       int64_t producer_id,
                                                       int16_t producer_epoch,
                                                       std::vector<TopicPartition> partitions,
                                                       std::vector<std::string> groups) {
  AddToTransaction command;
  command.transactional_id = transactional_id;
  command.producer_id = producer_id;
  command.producer_epoch = producer_epoch;
  command.partitions = std::move(partitions);
  command.groups = std::move(groups);
  command.now_ms = absl::ToUnixMillis(clock_->Now());
  absl::StatusOr<CommandResult> result = options_.metadata->Execute(std::move(command));
  if (!result.ok()) return result.status();
  return FromResult(*result);
}

absl::StatusOr<TxnOutcome> TransactionCoordinator::CommitOffsets(
    const std::string& transactional_id, const std::string& group, int64_t producer_id,
    int16_t producer_epoch, std::vector<CommitGroupOffsets::Entry> offsets) {
  CommitTransactionalOffsets command;
  command.transactional_id = transactional_id;
  command.group = group;
  command.producer_id = producer_id;
  command.producer_epoch = producer_epoch;
  command.offsets = std::move(offsets);
  absl::StatusOr<CommandResult> result = options_.metadata->Execute(std::move(command));
  if (!result.ok()) return result.status();
  return FromResult(*result);
}

absl::StatusOr<TxnOutcome> TransactionCoordinator::End(const std::string& transactional_id,
                                                       int64_t producer_id,
                                                       int16_t producer_epoch, bool commit) {
  EndTransaction command;
  command.transactional_id = transactional_id;
  command.producer_id = producer_id;
  command.producer_epoch = producer_epoch;
  command.commit = commit;
  command.now_ms = absl::ToUnixMillis(clock_->Now());
  absl::StatusOr<CommandResult> result = options_.metadata->Execute(std::move(command));
  if (!result.ok()) return result.status();
  if (result->ok()) ++(commit ? counters_.commits : counters_.aborts);
  return FromResult(*result);
}

absl::StatusOr<std::optional<TransactionInfo>> TransactionCoordinator::Describe(
    const std::string& transactional_id) {
  if (absl::Status synced = options_.metadata->Sync(); !synced.ok()) return synced;
  return options_.metadata->GetTransaction(transactional_id);
}

absl::StatusOr<std::vector<TransactionInfo>> TransactionCoordinator::List() {
  if (absl::Status synced = options_.metadata->Sync(); !synced.ok()) return synced;
  return options_.metadata->ListTransactions();
}

absl::Status TransactionCoordinator::Tick() {
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  const int64_t expiration_ms = absl::ToInt64Milliseconds(options_.id_expiration);
  uint64_t timed_out = 0;
  uint64_t expired = 0;
  // Only what this agent coordinates makes it act, so that one agent, not
  // all, writes the command; the command itself handles every due id.
  for (const TransactionInfo& txn : options_.metadata->ListTransactions()) {
    const bool open = txn.state == TransactionState::kOngoing;
    const bool due = open ? now_ms - txn.start_ms > txn.timeout_ms
                          : now_ms - txn.last_update_ms > expiration_ms;
    if (!due || !Local(txn.transactional_id)) continue;
    ++(open ? timed_out : expired);
  }
  if (timed_out == 0 && expired == 0) return absl::OkStatus();
  absl::StatusOr<CommandResult> result =
      options_.metadata->Execute(ExpireTransactions{now_ms, expiration_ms});
  if (!result.ok()) return result.status();
  counters_.timeouts += timed_out;
  counters_.expired_ids += expired;
  return absl::OkStatus();
}

}  // namespace warp::server::transactions
