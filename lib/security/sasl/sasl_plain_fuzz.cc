// libFuzzer target for SASL/PLAIN tokens (plain.h) through a whole
// authenticator exchange (authenticator.h) over the users of a users file,
// and for the users-file parser (users_file.h).
//
// Each input is one PLAIN token. Step must never crash and must succeed
// exactly when the token parses and names a known user with its password;
// then the principal is "User:<authcid>" and the exchange is over. The same
// input read as a users file must parse to users that print back to a file
// parsing to the same users.
//
// Replayed over tests/fuzz/corpus/sasl_plain by //lib/security/sasl:
// sasl_plain_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 sasl_plain`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/security/sasl/authenticator.h"
#include "lib/security/sasl/plain.h"
#include "lib/security/sasl/testing/map_credential_store.h"
#include "lib/security/sasl/users_file.h"

namespace warp::sasl {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr char kUsersFile[] =
    "# fuzz users\n"
    "alice:alice-secret\n"
    "bob,=x:pw:with:colons\n";

struct Fixture {
  std::vector<StaticUser> users;
  testing::MapCredentialStore store;
  std::unique_ptr<SaslAuthenticatorFactory> factory;
};

// PLAIN needs no SCRAM credentials, so a map store stands in for the static
// one (whose Create derives them at 4096 iterations).
const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    f->users = *ParseUsersFile(kUsersFile);
    for (const StaticUser& user : f->users)
      f->store.AddPlain(user.name, user.password);
    SaslAuthenticatorFactory::Options options;
    options.store = &f->store;
    options.unknown_user_secret = "fuzz";
    f->factory = *SaslAuthenticatorFactory::Create(std::move(options));
    return f;
  }();
  return *fixture;
}

void FuzzPlain(absl::string_view input) {
  const Fixture& fixture = GetFixture();
  std::unique_ptr<SaslAuthenticator> auth =
      *fixture.factory->NewAuthenticator(kPlain);
  absl::StatusOr<std::string> token = auth->Step(input);
  absl::StatusOr<PlainToken> parsed = ParsePlainToken(input);
  bool known = false;
  if (parsed.ok()) {
    for (const StaticUser& user : fixture.users) {
      known |=
          user.name == parsed->authcid && user.password == parsed->password;
    }
  }
  Check(token.ok() == known && auth->succeeded() == known &&
        auth->failed() == !known);
  if (known) {
    Check(token->empty());
    Check(auth->principal() == absl::StrCat("User:", parsed->authcid));
  } else {
    Check(auth->principal().empty());
  }
  Check(auth->Step(input).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

void FuzzUsersFile(absl::string_view input) {
  absl::StatusOr<std::vector<StaticUser>> users = ParseUsersFile(input);
  if (!users.ok()) return;
  std::string printed;
  for (const StaticUser& user : *users) {
    Check(!user.name.empty() && user.name.size() <= kMaxUserNameBytes &&
          user.name.find(':') == std::string::npos && !user.password.empty());
    absl::StrAppend(&printed, user.name, ":", user.password, "\n");
  }
  absl::StatusOr<std::vector<StaticUser>> again = ParseUsersFile(printed);
  Check(again.ok() && *again == *users);
}

}  // namespace
}  // namespace warp::sasl

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  warp::sasl::FuzzPlain(input);
  warp::sasl::FuzzUsersFile(input);
  return 0;
}
