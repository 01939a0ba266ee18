// Raw loopback sockets for tests that speak to a server byte by byte: a
// connection, whole sends, Kafka's size-prefixed frames read back.
//
// Thread-safety: functions of their arguments only.
#ifndef WARP_TESTS_UTIL_LOOPBACK_H_
#define WARP_TESTS_UTIL_LOOPBACK_H_

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warp::testing {

// A socket connected to 127.0.0.1:`port` whose receives and sends give up
// after `timeout` (EAGAIN), or -1.
int ConnectLoopback(int port, absl::Duration timeout = absl::Seconds(10));

// Sends all of `bytes`; false if the connection failed or a send timed out.
bool SendAll(int fd, absl::string_view bytes);

// Reads exactly `n` bytes with `read` (recv-like: > 0 bytes, else the end),
// fewer if the stream ended first.
std::string ReadExactly(const std::function<ssize_t(char*, size_t)>& read, size_t n);

// The payload of the next size-prefixed frame; nullopt once the stream
// ended (or a frame was cut short).
std::optional<std::string> ReadFrame(const std::function<ssize_t(char*, size_t)>& read);
// The same over a plain socket.
std::optional<std::string> ReadFrame(int fd);

// `payload` with its 4-byte big-endian size in front.
std::string Frame(absl::string_view payload);

}  // namespace warp::testing

#endif  // WARP_TESTS_UTIL_LOOPBACK_H_
