#include "lib/security/sasl/users_file.h"

#include <fstream>
#include <iterator>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/utf8.h"

namespace warp::sasl {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool HasControl(absl::string_view text) {
  for (unsigned char c : text) {
    if (IsControl(c)) return true;
  }
  return false;
}

// Why `name` is not a valid user name, or empty if it is.
std::string NameProblem(absl::string_view name) {
  if (name.empty()) return "empty user name before ':'";
  if (name.size() > kMaxUserNameBytes) {
    return absl::StrCat("user name of ", name.size(), " bytes; at most ",
                        kMaxUserNameBytes);
  }
  for (unsigned char c : name) {
    if (c == ' ' || c == '\t') return "user name contains a space or tab";
    if (IsControl(c)) return "user name contains a control character";
  }
  if (!IsValidUtf8(name)) return "user name is not valid UTF-8";
  return "";
}

}  // namespace

absl::StatusOr<std::vector<StaticUser>> ParseUsersFile(absl::string_view text) {
  std::vector<StaticUser> users;
  absl::flat_hash_map<std::string, int> line_of_name;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::ConsumeSuffix(&line, "\r");  // CRLF line endings
    const size_t first = line.find_first_not_of(" \t");
    if (first == absl::string_view::npos || line[first] == '#') continue;
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("users file line ", number, ": ", why));
    };
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return fail("expected NAME:PASSWORD (no ':')");
    }
    const absl::string_view name = line.substr(0, colon);
    const absl::string_view password = line.substr(colon + 1);
    if (std::string problem = NameProblem(name); !problem.empty()) {
      return fail(problem);
    }
    if (password.empty()) return fail("empty password after ':'");
    if (HasControl(password))
      return fail("password contains a control character");
    auto [it, inserted] = line_of_name.emplace(std::string(name), number);
    if (!inserted) {
      return fail(absl::StrCat("user \"", name, "\" already defined on line ",
                               it->second));
    }
    users.push_back(StaticUser{std::string(name), std::string(password)});
  }
  return users;
}

absl::StatusOr<std::vector<StaticUser>> LoadUsersFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open users file ", path));
  }
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  if (in.bad()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read users file ", path));
  }
  absl::StatusOr<std::vector<StaticUser>> users = ParseUsersFile(text);
  if (!users.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", users.status().message()));
  }
  return users;
}

}  // namespace warp::sasl
