// libFuzzer target for SCRAM client messages (scram_messages.h) through a
// whole authenticator exchange (scram.h, authenticator.h).
//
// Input: one flags byte, then the client-first message, then optionally a
// NUL and the client-final message (NUL never occurs in valid messages).
// Flags bit 0 picks SCRAM-SHA-512 over SCRAM-SHA-256. With bit 1 set the
// harness plays an honest client: the rest up to the NUL is the user name,
// the client-final message is computed with the right password, and what
// follows the NUL is appended to it (so an empty tail must succeed for the
// known user, and fail for anyone else).
//
// The server's nonce and the store's salts are fixed (RFC 7677's example:
// user "user", password "pencil"), so inputs replay deterministically.
// Checks: no crash; a server-first message extends the client's nonce and
// shows the same salt size and iterations for known and unknown users;
// success only for the known user, with a server signature the client
// accepts; a failed client-final leaves an "e=" token; no Step after the end.
//
// Replayed over tests/fuzz/corpus/scram by //lib/security/sasl:
// scram_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 scram`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/security/sasl/authenticator.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/scram_messages.h"
#include "lib/security/sasl/testing/map_credential_store.h"
#include "lib/security/sasl/scram_client.h"

namespace warp::sasl {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr char kUser[] = "user";
constexpr char kPassword[] = "pencil";
constexpr char kSaltBase64[] = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr char kServerNonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

struct Fixture {
  testing::MapCredentialStore store;
  // Hi(password, salt, 4096) per mechanism: the honest client's key for the
  // known user (and a wrong one for fake salts), derived once.
  std::string salted_password[2];
  std::unique_ptr<SaslAuthenticatorFactory> factory;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture;
    std::string salt;
    absl::Base64Unescape(kSaltBase64, &salt);
    for (ScramMechanism mechanism :
         {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
      f->store.AddScram(kUser,
                        *MakeScramCredential(mechanism, kPassword, 4096, salt));
      f->salted_password[static_cast<int>(mechanism)] =
          Pbkdf2(HashOf(mechanism), kPassword, salt, 4096);
    }
    SaslAuthenticatorFactory::Options options;
    options.store = &f->store;
    options.unknown_user_secret = "fuzz";
    options.server_nonce = []() -> absl::StatusOr<std::string> {
      return std::string(kServerNonce);
    };
    f->factory = *SaslAuthenticatorFactory::Create(std::move(options));
    return f;
  }();
  return *fixture;
}

void CheckServerFirstShape(absl::string_view server_first,
                           absl::string_view client_nonce) {
  Check(absl::StartsWith(
      server_first, absl::StrCat("r=", client_nonce, kServerNonce, ",s=")));
  Check(absl::EndsWith(server_first, ",i=4096"));
  // Known (RFC salt) and fake salts are both 16 bytes: 24 base64 characters.
  const size_t salt_at = server_first.find(",s=") + 3;
  Check(server_first.size() - salt_at == 24 + 7);
}

void Fuzz(absl::string_view input) {
  if (input.empty()) return;
  const ScramMechanism mechanism =
      (input[0] & 1) ? ScramMechanism::kSha512 : ScramMechanism::kSha256;
  const bool honest = input[0] & 2;
  input.remove_prefix(1);
  const size_t nul = input.find('\0');
  const absl::string_view first_part = input.substr(0, nul);
  std::optional<absl::string_view> final_part;
  if (nul != absl::string_view::npos) final_part = input.substr(nul + 1);

  std::unique_ptr<SaslAuthenticator> auth =
      *GetFixture().factory->NewAuthenticator(ScramMechanismName(mechanism));
  ScramClient client(mechanism, std::string(first_part), "fuzz");
  const std::string client_first =
      honest ? client.ClientFirst() : std::string(first_part);
  absl::StatusOr<std::string> server_first = auth->Step(client_first);
  absl::StatusOr<ClientFirstMessage> parsed = ParseClientFirst(client_first);
  Check(server_first.ok() ==
        (parsed.ok() && client_first.size() <= kMaxSaslTokenBytes));
  Check(!auth->succeeded());
  if (!server_first.ok()) {
    Check(auth->failed());
    Check(auth->Step("").status().code() ==
          absl::StatusCode::kFailedPrecondition);
    return;
  }
  CheckServerFirstShape(*server_first, parsed->nonce);
  if (!honest && !final_part) return;

  std::string client_final;
  if (honest) {
    Check(client.ReadServerFirst(*server_first).ok());
    client_final = absl::StrCat(
        client.ClientFinalFromSaltedPassword(
            GetFixture().salted_password[static_cast<int>(mechanism)]),
        final_part.value_or(""));
  } else {
    client_final = std::string(*final_part);
  }
  absl::StatusOr<std::string> server_final = auth->Step(client_final);
  const bool known = parsed->user == kUser;
  if (honest && known && final_part.value_or("").empty()) {
    Check(server_final.ok());
    Check(client.CheckServerFinal(*server_final).ok());
  }
  if (server_final.ok()) {
    Check(known && auth->succeeded() && auth->principal() == "User:user");
    Check(absl::StartsWith(*server_final, "v="));
  } else {
    Check(auth->failed() && absl::StartsWith(auth->failure_token(), "e=") ==
                                (client_final.size() <= kMaxSaslTokenBytes));
  }
  Check(auth->Step(client_final).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace warp::sasl

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  warp::sasl::Fuzz(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
