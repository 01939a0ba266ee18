// A recording fake Kafka broker: real clients produce to and consume from it
// (tests/golden/fake_broker.h answers them) while it writes every request
// frame it receives, without the 4-byte size prefix, to
//   <out_dir>/<client>/<seq>-<ApiName>-v<version>.bin
// with <seq> a 3-digit counter over all connections in arrival order. These
// are the golden bytes of tests/golden/golden_test.cc; capture.sh runs it.
//
//   bazel-bin/tests/golden/recorder --port=19092 --out_dir=/tmp/g --client=kcat
//
// Loopback only, one thread per connection, runs until killed. A request the
// codec cannot decode or the fake broker does not answer is still recorded,
// then the connection is closed (as Kafka does), and the reason is logged.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "lib/protocol/messages/api_versions_table.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/wire/frame.h"
#include "tests/golden/fake_broker.h"

ABSL_FLAG(int, port, 19092, "Port to listen on, on 127.0.0.1.");
ABSL_FLAG(std::string, out_dir, "", "Folder to record request frames into.");
ABSL_FLAG(std::string, client, "client",
          "Name of the client being recorded: the subfolder of --out_dir.");

namespace warp::kafka::golden {
namespace {

// Writes each request frame to its own numbered file. Thread-safe.
class FrameRecorder {
 public:
  explicit FrameRecorder(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Records `payload` (a frame without its size prefix) of `api_key` at
  // `api_version`; returns the file name.
  absl::StatusOr<std::string> Record(int16_t api_key, int16_t api_version,
                                     absl::string_view payload) {
    const ApiVersionRange* api = FindServedApi(api_key);
    const std::string api_name =
        api != nullptr ? api->name : absl::StrCat("ApiKey", api_key);
    absl::MutexLock lock(&mu_);
    const std::string name =
        absl::StrFormat("%03d-%s-v%d.bin", next_seq_++, api_name, api_version);
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", name));
    return name;
  }

 private:
  const std::filesystem::path dir_;
  absl::Mutex mu_;
  int next_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Handles one request payload; returns the response frame to send (empty for
// none) or an error after which the connection is closed.
absl::StatusOr<std::string> Serve(FakeBroker& broker, FrameRecorder& recorder,
                                  absl::string_view payload) {
  // Record first, so that even a request that fails to decode is kept; the
  // api key and version are the first 4 bytes of every request header.
  int16_t api_key = -1;
  int16_t api_version = -1;
  if (payload.size() >= 4) {
    api_key = static_cast<int16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                   static_cast<uint8_t>(payload[1]));
    api_version = static_cast<int16_t>((static_cast<uint8_t>(payload[2]) << 8) |
                                       static_cast<uint8_t>(payload[3]));
  }
  absl::StatusOr<std::string> file =
      recorder.Record(api_key, api_version, payload);
  if (!file.ok()) return file.status();
  std::fprintf(stderr, "recorder: %s (%zu bytes)\n", file->c_str(),
               payload.size());

  absl::StatusOr<DecodedRequest> decoded = DecodeRequestPayload(payload);
  if (!decoded.ok()) return decoded.status();
  if (decoded->support != VersionSupport::kSupported) {
    if (decoded->header.api_key == kApiVersionsKey) {
      return EncodeResponseFrame(decoded->header,
                                 MakeUnsupportedVersionApiVersionsResponse());
    }
    return absl::UnimplementedError(
        absl::StrCat("api key ", api_key, " version ", api_version,
                     " is not served by the codec"));
  }
  if (decoded->trailing_bytes != 0) {
    std::fprintf(stderr, "recorder: %s has %zu trailing bytes\n", file->c_str(),
                 decoded->trailing_bytes);
  }
  absl::StatusOr<std::optional<Response>> response =
      broker.Handle(decoded->header, *decoded->body);
  if (!response.ok()) return response.status();
  if (!response->has_value()) return std::string();
  return EncodeResponseFrame(decoded->header, **response);
}

void ServeConnection(int fd, FakeBroker& broker, FrameRecorder& recorder) {
  std::string buffer;
  char chunk[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    bool open = true;
    while (open) {
      absl::StatusOr<std::optional<Frame>> frame = ParseFrame(buffer);
      if (!frame.ok()) {
        std::fprintf(stderr, "recorder: bad frame: %s\n",
                     frame.status().ToString().c_str());
        open = false;
        break;
      }
      if (!frame->has_value()) break;
      absl::StatusOr<std::string> response =
          Serve(broker, recorder, (*frame)->payload);
      if (!response.ok()) {
        std::fprintf(stderr, "recorder: closing connection: %s\n",
                     response.status().ToString().c_str());
        open = false;
        break;
      }
      if (!WriteAll(fd, *response)) open = false;
      buffer.erase(0, (*frame)->total_size);
    }
    if (!open) break;
  }
  ::close(fd);
}

int Run() {
  const int port = absl::GetFlag(FLAGS_port);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  if (out_dir.empty()) {
    std::fprintf(stderr, "recorder: --out_dir is required\n");
    return 2;
  }
  const std::filesystem::path dir =
      std::filesystem::path(out_dir) / absl::GetFlag(FLAGS_client);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "recorder: cannot create %s: %s\n", dir.c_str(),
                 error.message().c_str());
    return 1;
  }

  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 64) != 0) {
    std::fprintf(stderr, "recorder: cannot listen on 127.0.0.1:%d: %s\n", port,
                 std::strerror(errno));
    return 1;
  }

  FakeBrokerOptions options;
  options.port = port;
  // Never destroyed: detached connection threads use them until exit.
  auto* broker = new FakeBroker(options);
  auto* recorder = new FrameRecorder(dir);
  std::fprintf(stderr, "recorder: listening on 127.0.0.1:%d, recording to %s\n",
               port, dir.c_str());
  while (true) {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "recorder: accept: %s\n", std::strerror(errno));
      return 1;
    }
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // Connections live until the client closes them or the process ends.
    std::thread(ServeConnection, fd, std::ref(*broker), std::ref(*recorder))
        .detach();
  }
}

}  // namespace
}  // namespace warp::kafka::golden

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return warp::kafka::golden::Run();
}
