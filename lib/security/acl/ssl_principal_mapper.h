// Kafka's ssl.principal.mapping.rules (SslPrincipalMapper, KIP-371): rules
// that turn a client certificate's subject (RFC 2253, "CN=carol,O=acme") into
// the principal's name, e.g.
//
//   RULE:^CN=([^,]+),O=acme$/$1/L,DEFAULT
//
// Rules are tried in order. `RULE:pattern/replacement/[L|U]` applies when
// `pattern` (a regular expression) matches the whole subject: every match is
// replaced by `replacement` ($1... name groups; \ escapes the next
// character), then lower- (L) or upper-cased (U). `DEFAULT` gives the
// subject unchanged. Commas separate rules (a comma inside a pattern or
// replacement belongs to it: a rule extends to its closing slash).
//
// The regular expressions are ECMAScript (std::regex), which agrees with
// Java's for the patterns these rules use (anchors, classes, groups, lazy
// quantifiers); lookbehind and possessive quantifiers are refused.
//
// Thread-safety: immutable after Parse; Map may be called concurrently.
#ifndef WARP_LIB_SECURITY_ACL_SSL_PRINCIPAL_MAPPER_H_
#define WARP_LIB_SECURITY_ACL_SSL_PRINCIPAL_MAPPER_H_

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::acl {

class SslPrincipalMapper {
 public:
  // Parses the rules; empty text means "DEFAULT". InvalidArgument naming the
  // rule that does not parse or whose pattern is not a regular expression.
  static absl::StatusOr<std::shared_ptr<const SslPrincipalMapper>> Parse(absl::string_view rules);

  // The principal name of `subject`. NotFound when no rule applies (Kafka
  // then refuses the client: its certificate names no one the rules know).
  absl::StatusOr<std::string> Map(absl::string_view subject) const;

 private:
  struct Rule {
    bool is_default = false;
    std::string text;  // as written, for messages
    std::regex pattern;
    std::string replacement;  // in std::regex_replace's format
    char to_case = 0;         // 'L', 'U' or 0
  };
  std::vector<Rule> rules_;
};

}  // namespace warp::acl

#endif  // WARP_LIB_SECURITY_ACL_SSL_PRINCIPAL_MAPPER_H_
