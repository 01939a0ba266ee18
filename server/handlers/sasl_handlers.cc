// SaslHandshake (v0-1) and SaslAuthenticate (v0-2), as Kafka's broker
// answers them on SASL listeners: the handshake picks a mechanism of
// --sasl_mechanisms, the exchange runs in SaslAuthenticate requests (or, after
// a v0 handshake, in bare tokens: see Dispatcher), and a failed login is
// answered SASL_AUTHENTICATION_FAILED and ends the connection.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/handler.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

void HandleSaslHandshake(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<SaslHandshakeRequest>(request);
  SaslHandshakeResponse resp;
  const sasl::SaslAuthenticatorFactory* factory = ctx.agent->sasl();
  if (factory != nullptr) resp.mechanisms = factory->mechanisms();
  Session* session = ctx.session;
  // A second handshake is a re-authentication (KIP-368): v1 only, once
  // logged in, with re-authentication on (--sasl_reauth_ms).
  const bool reauthentication = session != nullptr && session->sasl_started() &&
                                session->may_reauthenticate() &&
                                ctx.agent->config().sasl_reauth > absl::ZeroDuration() &&
                                ctx.header.api_version >= 1;
  if (session == nullptr || !session->sasl_required() || factory == nullptr ||
      (session->sasl_started() && !reauthentication)) {
    // Not a SASL listener, or a second handshake that is no re-authentication.
    resp.error_code = ToInt16(ErrorCode::kIllegalSaslState);
    reply(Response(std::move(resp)));
    return;
  }
  absl::StatusOr<std::unique_ptr<sasl::SaslAuthenticator>> authenticator =
      factory->NewAuthenticator(req.mechanism);
  if (!authenticator.ok()) {
    resp.error_code = ToInt16(ErrorCode::kUnsupportedSaslMechanism);
    reply(Response(std::move(resp)));
    return;
  }
  session->StartSasl(*std::move(authenticator), /*raw_tokens=*/ctx.header.api_version == 0);
  reply(Response(std::move(resp)));
}

void HandleSaslAuthenticate(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<SaslAuthenticateRequest>(request);
  SaslAuthenticateResponse resp;
  Session* session = ctx.session;
  if (session == nullptr || !session->sasl_started() || session->expects_raw_token()) {
    resp.error_code = ToInt16(ErrorCode::kIllegalSaslState);
    resp.error_message = "SaslAuthenticate without a SaslHandshake v1 before it";
    reply(Response(std::move(resp)));
    return;
  }
  const absl::Duration reauth = ctx.agent->config().sasl_reauth;
  absl::StatusOr<std::string> token = session->SaslStep(
      req.auth_bytes, reauth > absl::ZeroDuration() ? reauth : absl::InfiniteDuration());
  if (!token.ok()) {
    bool state = token.status().code() == absl::StatusCode::kFailedPrecondition;
    resp.error_code = ToInt16(state ? ErrorCode::kIllegalSaslState
                                    : ErrorCode::kSaslAuthenticationFailed);
    resp.error_message = std::string(token.status().message());
    if (state) {
      reply(Response(std::move(resp)));
      return;
    }
    // Held back after repeated failures from the client's address.
    ctx.agent->logins().Failed(ClientAddress(ctx.client_host),
                               [reply, resp = std::move(resp)]() mutable {
                                 reply(Response(std::move(resp)));
                               });
    return;
  }
  if (session->authenticated()) ctx.agent->logins().Succeeded();
  resp.auth_bytes = *std::move(token);
  // KIP-368: with --sasl_reauth_ms the client is told how long its login
  // lasts (v1+), and must re-authenticate before then.
  resp.session_lifetime_ms =
      session->authenticated() && reauth > absl::ZeroDuration() ? absl::ToInt64Milliseconds(reauth)
                                                                : 0;
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterSaslHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[SaslHandshakeRequest::kApiKey] = HandleSaslHandshake;
  table[SaslAuthenticateRequest::kApiKey] = HandleSaslAuthenticate;
}

}  // namespace warp::server
