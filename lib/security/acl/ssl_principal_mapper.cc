#include "lib/security/acl/ssl_principal_mapper.h"

#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warp::acl {
namespace {

// Reads up to the next unescaped '/' of `in` from `*pos`; advances past it.
bool ReadPart(absl::string_view in, size_t* pos, std::string* out) {
  size_t i = *pos;
  while (i < in.size() && in[i] != '/') {
    if (in[i] == '\\' && i + 1 < in.size()) {
      out->append(in.data() + i, 2);
      i += 2;
      continue;
    }
    out->push_back(in[i++]);
  }
  if (i >= in.size()) return false;
  *pos = i + 1;
  return true;
}

// Java's replacement syntax ($n groups, \x a literal x) in std::regex_replace's
// ($n groups, $$ a literal $).
std::string ToFormat(absl::string_view java) {
  std::string out;
  for (size_t i = 0; i < java.size(); ++i) {
    char c = java[i];
    if (c == '\\' && i + 1 < java.size()) {
      char next = java[++i];
      if (next == '$') {
        out += "$$";
      } else {
        out.push_back(next);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const SslPrincipalMapper>> SslPrincipalMapper::Parse(
    absl::string_view rules) {
  auto mapper = std::shared_ptr<SslPrincipalMapper>(new SslPrincipalMapper());
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < rules.size() && absl::ascii_isspace(static_cast<unsigned char>(rules[pos]))) ++pos;
  };
  skip_space();
  if (pos == rules.size()) {
    Rule rule;
    rule.is_default = true;
    rule.text = "DEFAULT";
    mapper->rules_.push_back(std::move(rule));
    return mapper;
  }
  while (pos < rules.size()) {
    skip_space();
    size_t start = pos;
    Rule rule;
    if (absl::StartsWith(rules.substr(pos), "DEFAULT")) {
      rule.is_default = true;
      pos += 7;
    } else if (absl::StartsWith(rules.substr(pos), "RULE:")) {
      pos += 5;
      std::string pattern, replacement;
      if (!ReadPart(rules, &pos, &pattern) || !ReadPart(rules, &pos, &replacement)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--tls_principal_mapping_rules: ", rules.substr(start),
            ": a rule is RULE:pattern/replacement/ with an optional L or U"));
      }
      if (pos < rules.size() && (rules[pos] == 'L' || rules[pos] == 'U')) rule.to_case = rules[pos++];
      try {
        rule.pattern = std::regex(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--tls_principal_mapping_rules: ", pattern, " is not a regular expression: ", e.what()));
      }
      rule.replacement = ToFormat(replacement);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_principal_mapping_rules: ", rules.substr(start),
          ": each rule is DEFAULT or RULE:pattern/replacement/[L|U]"));
    }
    skip_space();
    if (pos < rules.size() && rules[pos] != ',') {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_principal_mapping_rules: unexpected text after ", rules.substr(start, pos - start),
          ": rules are separated by commas"));
    }
    rule.text = std::string(absl::StripAsciiWhitespace(rules.substr(start, pos - start)));
    mapper->rules_.push_back(std::move(rule));
    if (pos < rules.size()) ++pos;  // the comma
  }
  return mapper;
}

absl::StatusOr<std::string> SslPrincipalMapper::Map(absl::string_view subject) const {
  const std::string text(subject);
  for (const Rule& rule : rules_) {
    if (rule.is_default) return text;
    if (!std::regex_match(text, rule.pattern)) continue;
    std::string out = std::regex_replace(text, rule.pattern, rule.replacement);
    if (rule.to_case == 'L') absl::AsciiStrToLower(&out);
    if (rule.to_case == 'U') absl::AsciiStrToUpper(&out);
    return out;
  }
  return absl::NotFoundError(
      absl::StrCat("no --tls_principal_mapping_rules rule applies to ", subject));
}

}  // namespace warp::acl
