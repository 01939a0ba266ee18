// Status propagation macros for absl::Status / absl::StatusOr.
//
// Debian's Abseil (20220623) ships none, so warp has its own:
//
//   RETURN_IF_ERROR(DoThing());                  // returns the Status if not OK
//   ASSIGN_OR_RETURN(auto value, MakeValue());   // unwraps a StatusOr or returns
//
// Both evaluate their argument exactly once. Thread-safe: they are expressions.
#ifndef WARP_LIB_BASE_STATUS_MACROS_H_
#define WARP_LIB_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WARP_STATUS_CONCAT_INNER_(a, b) a##b
#define WARP_STATUS_CONCAT_(a, b) WARP_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                                 \
  do {                                                        \
    ::absl::Status warp_status_macro_status_ = (expr);        \
    if (!warp_status_macro_status_.ok()) {                    \
      return warp_status_macro_status_;                       \
    }                                                         \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  WARP_ASSIGN_OR_RETURN_IMPL_(      \
      WARP_STATUS_CONCAT_(warp_statusor_, __LINE__), lhs, expr)

#define WARP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

#endif  // WARP_LIB_BASE_STATUS_MACROS_H_
