#include "lib/security/sasl/scram.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/security/sasl/testing/map_credential_store.h"
#include "lib/security/sasl/scram_client.h"

namespace warp::sasl {
namespace {

// RFC 7677 section 3.
constexpr char kClientFirst[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr char kServerNonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kServerFinal[] =
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

std::string Unbase64(absl::string_view text) {
  std::string out;
  absl::Base64Unescape(text, &out);
  return out;
}

class ScramServerTest : public ::testing::Test {
 protected:
  ScramServerTest() {
    store_.AddScram(
        "user", *MakeScramCredential(ScramMechanism::kSha256, "pencil", 4096,
                                     Unbase64("W22ZaJ0SNY7soEsUEjb6gQ==")));
    store_.AddScram(
        "user", *MakeScramCredential(ScramMechanism::kSha512, "pencil", 4096));
  }

  ScramServer::Options Options(
      ScramMechanism mechanism = ScramMechanism::kSha256,
      std::string nonce = kServerNonce) {
    ScramServer::Options options;
    options.mechanism = mechanism;
    options.store = &store_;
    options.unknown_user_secret = "test secret";
    options.server_nonce = [nonce]() -> absl::StatusOr<std::string> {
      return nonce;
    };
    return options;
  }

  testing::MapCredentialStore store_;
};

TEST_F(ScramServerTest, ReproducesRfc7677Exchange) {
  ScramServer server(Options());
  absl::StatusOr<std::string> server_first = server.Step(kClientFirst);
  ASSERT_TRUE(server_first.ok()) << server_first.status();
  EXPECT_EQ(*server_first, kServerFirst);
  EXPECT_FALSE(server.succeeded());
  absl::StatusOr<std::string> server_final = server.Step(kClientFinal);
  ASSERT_TRUE(server_final.ok()) << server_final.status();
  EXPECT_EQ(*server_final, kServerFinal);
  EXPECT_TRUE(server.succeeded());
  EXPECT_EQ(server.user(), "user");
  EXPECT_EQ(server.failure_token(), "");
  // The exchange is over.
  EXPECT_EQ(server.Step(kClientFinal).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ScramServerTest, TestClientReproducesRfc7677ClientMessages) {
  ScramClient client(ScramMechanism::kSha256, "user",
                              "rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(client.ClientFirst(), kClientFirst);
  ASSERT_TRUE(client.ReadServerFirst(kServerFirst).ok());
  EXPECT_EQ(client.ClientFinal("pencil"), kClientFinal);
  EXPECT_TRUE(client.CheckServerFinal(kServerFinal).ok());
}

TEST_F(ScramServerTest, Sha512RoundTripWithRandomNonce) {
  ScramServer::Options options = Options(ScramMechanism::kSha512);
  options.server_nonce = nullptr;  // RandomServerNonce
  ScramServer server(std::move(options));
  ScramClient client(ScramMechanism::kSha512, "user", "clientnonce");
  absl::StatusOr<std::string> server_first = server.Step(client.ClientFirst());
  ASSERT_TRUE(server_first.ok()) << server_first.status();
  ASSERT_TRUE(client.ReadServerFirst(*server_first).ok()) << *server_first;
  EXPECT_EQ(client.iterations(), 4096);
  EXPECT_EQ(server_first->find(",s="),
            std::string("r=clientnonce").size() + 32);
  absl::StatusOr<std::string> server_final =
      server.Step(client.ClientFinal("pencil"));
  ASSERT_TRUE(server_final.ok()) << server_final.status();
  EXPECT_TRUE(client.CheckServerFinal(*server_final).ok());
  EXPECT_TRUE(server.succeeded());
}

TEST_F(ScramServerTest, WrongPasswordFailsAtTheProof) {
  ScramServer server(Options(ScramMechanism::kSha512));
  ScramClient client(ScramMechanism::kSha512, "user", "abc");
  absl::StatusOr<std::string> server_first = server.Step(client.ClientFirst());
  ASSERT_TRUE(server_first.ok());
  ASSERT_TRUE(client.ReadServerFirst(*server_first).ok());
  absl::StatusOr<std::string> result =
      server.Step(client.ClientFinal("pencil!"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(server.failed());
  EXPECT_FALSE(server.succeeded());
  EXPECT_EQ(server.failure_token(), "e=invalid-proof");
  EXPECT_EQ(server.Step(client.ClientFinal("pencil")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// The parts of a server-first message, with the salt decoded.
struct ServerFirstShape {
  size_t nonce_size;
  size_t salt_size;
  std::string iterations;
};

ServerFirstShape ShapeOf(absl::string_view server_first) {
  std::vector<std::string> parts = absl::StrSplit(server_first, ',');
  EXPECT_EQ(parts.size(), 3u) << server_first;
  if (parts.size() != 3) return {};
  return {parts[0].size(), Unbase64(parts[1].substr(2)).size(), parts[2]};
}

TEST_F(ScramServerTest, UnknownUserLooksLikeAKnownOneAndFailsAtTheProof) {
  for (ScramMechanism mechanism :
       {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    ScramServer known(Options(mechanism));
    ScramClient known_client(mechanism, "user", "abc");
    absl::StatusOr<std::string> known_first =
        known.Step(known_client.ClientFirst());
    ASSERT_TRUE(known_first.ok());

    ScramServer unknown(Options(mechanism));
    ScramClient client(mechanism, "nobody", "abc");
    absl::StatusOr<std::string> first = unknown.Step(client.ClientFirst());
    ASSERT_TRUE(first.ok()) << first.status();
    const ServerFirstShape a = ShapeOf(*known_first), b = ShapeOf(*first);
    EXPECT_EQ(a.nonce_size, b.nonce_size);
    EXPECT_EQ(a.salt_size, b.salt_size);
    EXPECT_EQ(a.iterations, b.iterations);

    // The fake salt is the same on every attempt.
    ScramServer again(Options(mechanism));
    EXPECT_EQ(*again.Step(client.ClientFirst()), *first);
    // ... and differs between users.
    ScramServer other(Options(mechanism));
    EXPECT_NE(*other.Step("n,,n=nobody2,r=abc"), *first);

    ASSERT_TRUE(client.ReadServerFirst(*first).ok());
    absl::StatusOr<std::string> result =
        unknown.Step(client.ClientFinal("pencil"));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(unknown.failure_token(), "e=invalid-proof");

    // Word for word what a wrong password gets.
    ASSERT_TRUE(known_client.ReadServerFirst(*known_first).ok());
    absl::StatusOr<std::string> wrong =
        known.Step(known_client.ClientFinal("wrong"));
    EXPECT_EQ(wrong.status(), result.status());
  }
}

TEST_F(ScramServerTest, ReplayedClientFinalFailsOnTheNonce) {
  // A new exchange gets a new server nonce: the RFC's client-final, valid
  // for the RFC's nonce, is refused.
  ScramServer server(Options(ScramMechanism::kSha256, "anotherNonce"));
  ASSERT_TRUE(server.Step(kClientFirst).ok());
  absl::StatusOr<std::string> result = server.Step(kClientFinal);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "nonce"));
  EXPECT_EQ(server.failure_token(), "e=other-error");
}

// Client-final messages after the RFC's client-first, each failing the
// exchange with this status and server-error token.
struct FinalFailure {
  std::string message;
  absl::StatusCode code;
  std::string failure_token;
};

TEST_F(ScramServerTest, BadClientFinalMessagesFail) {
  constexpr absl::StatusCode kUnauthenticated =
      absl::StatusCode::kUnauthenticated;
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  const std::string nonce =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const FinalFailure failures[] = {
      // The nonce: client part changed, server part dropped or extended.
      {"c=biws,r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," + proof,
       kUnauthenticated, "e=other-error"},
      {"c=biws,r=rOprNGfwEbeRWgbNEkqO," + proof, kUnauthenticated,
       "e=other-error"},
      {"c=biws," + nonce + "x," + proof, kUnauthenticated, "e=other-error"},
      // A flipped proof bit, a short proof, an extension the proof did not
      // cover.
      {"c=biws," + nonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
       kUnauthenticated, "e=invalid-proof"},
      {"c=biws," + nonce + ",p=YQ==", kUnauthenticated, "e=invalid-proof"},
      {"c=biws," + nonce + ",x=1," + proof, kUnauthenticated,
       "e=invalid-proof"},
      // Channel binding data other than "n,,".
      {"c=eSws," + nonce + "," + proof, kInvalid,
       "e=channel-bindings-dont-match"},
      // Malformed: no proof, or the client-first message again.
      {"c=biws," + nonce, kInvalid, "e=invalid-encoding"},
      {kClientFirst, kInvalid, "e=invalid-encoding"},
  };
  for (const FinalFailure& failure : failures) {
    ScramServer server(Options());
    ASSERT_TRUE(server.Step(kClientFirst).ok());
    EXPECT_EQ(server.Step(failure.message).status().code(), failure.code)
        << failure.message;
    EXPECT_TRUE(server.failed());
    EXPECT_EQ(server.failure_token(), failure.failure_token) << failure.message;
  }
}

TEST_F(ScramServerTest, MalformedClientFirstFailsTheExchange) {
  ScramServer server(Options());
  EXPECT_EQ(server.Step("y,,n=user,r=abc").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.failed());
  EXPECT_EQ(server.failure_token(), "");
  EXPECT_EQ(server.Step(kClientFirst).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ScramServerTest, BadOptionsAndNoncesFailCleanly) {
  ScramServer::Options options = Options();
  options.unknown_user_secret.clear();
  ScramServer no_secret(std::move(options));
  EXPECT_EQ(no_secret.Step(kClientFirst).status().code(),
            absl::StatusCode::kFailedPrecondition);

  ScramServer bad_nonce(Options(ScramMechanism::kSha256, "a,b"));
  EXPECT_EQ(bad_nonce.Step(kClientFirst).status().code(),
            absl::StatusCode::kInternal);

  testing::MapCredentialStore broken;
  ScramCredential credential;  // keys of the wrong size
  credential.salt = "salt";
  broken.AddScram("user", credential);
  options = Options();
  options.store = &broken;
  ScramServer server(std::move(options));
  EXPECT_EQ(server.Step(kClientFirst).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace warp::sasl
