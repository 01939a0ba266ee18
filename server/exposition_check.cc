#include "server/exposition_check.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warp::server {
namespace {

bool IsName(absl::string_view name, bool colons) {
  if (name.empty() || absl::ascii_isdigit(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && !(colons && c == ':')) return false;
  }
  return true;
}

bool ParseValue(absl::string_view text, double* value) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") {
    *value = text == "NaN" ? NAN : (text[0] == '-' ? -INFINITY : INFINITY);
    return true;
  }
  std::string copy(text);
  char* end = nullptr;
  *value = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size();
}

// `{a="x",b="y"}` at the start of `rest`, consumed.
absl::Status ParseLabels(absl::string_view* rest, std::map<std::string, std::string>* labels) {
  if (!absl::ConsumePrefix(rest, "{")) return absl::OkStatus();
  while (!absl::ConsumePrefix(rest, "}")) {
    size_t eq = rest->find('=');
    if (eq == absl::string_view::npos) return absl::InvalidArgumentError("label without '='");
    std::string name(rest->substr(0, eq));
    if (!IsName(name, false)) return absl::InvalidArgumentError("bad label name " + name);
    rest->remove_prefix(eq + 1);
    if (!absl::ConsumePrefix(rest, "\"")) return absl::InvalidArgumentError("unquoted label");
    std::string value;
    for (;;) {
      if (rest->empty()) return absl::InvalidArgumentError("unterminated label value");
      char c = rest->front();
      rest->remove_prefix(1);
      if (c == '"') break;
      if (c == '\n') return absl::InvalidArgumentError("raw newline in label value");
      if (c == '\\') {
        if (rest->empty()) return absl::InvalidArgumentError("dangling escape");
        char e = rest->front();
        rest->remove_prefix(1);
        if (e == 'n') value += '\n';
        else if (e == '\\' || e == '"') value += e;
        else return absl::InvalidArgumentError("bad escape in label value");
      } else {
        value += c;
      }
    }
    if (!labels->emplace(name, value).second) {
      return absl::InvalidArgumentError("repeated label " + name);
    }
    absl::ConsumePrefix(rest, ",");
  }
  return absl::OkStatus();
}

// The family a sample named `name` belongs to, given the declared ones.
std::string FamilyOf(const std::string& name,
                     const std::map<std::string, ExpositionFamily>& families) {
  if (families.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (absl::EndsWith(name, suffix)) {
      std::string base = name.substr(0, name.size() - strlen(suffix));
      auto it = families.find(base);
      if (it != families.end() && (it->second.type == "histogram" ||
                                   (it->second.type == "summary" && suffix[1] != 'b'))) {
        return base;
      }
    }
  }
  return "";
}

absl::Status CheckHistogram(const std::string& name, const ExpositionFamily& family) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // le, count in order
    bool has_sum = false;
    double count = -1;
  };
  std::map<std::map<std::string, std::string>, Series> series;
  for (const ExpositionSample& s : family.samples) {
    std::map<std::string, std::string> key = s.labels;
    if (s.name == name + "_bucket") {
      auto le = key.find("le");
      double bound = 0;
      if (le == key.end() || !ParseValue(le->second, &bound)) {
        return absl::InvalidArgumentError(name + ": bucket without a valid le");
      }
      key.erase("le");
      series[key].buckets.push_back({bound, s.value});
    } else if (s.name == name + "_sum") {
      series[key].has_sum = true;
    } else if (s.name == name + "_count") {
      series[key].count = s.value;
    } else {
      return absl::InvalidArgumentError(name + ": unexpected sample " + s.name);
    }
  }
  for (const auto& [labels, one] : series) {
    if (one.buckets.empty() || !std::isinf(one.buckets.back().first) || !one.has_sum ||
        one.count < 0) {
      return absl::InvalidArgumentError(name + ": a series lacks +Inf, _sum or _count");
    }
    for (size_t i = 1; i < one.buckets.size(); ++i) {
      if (one.buckets[i].first <= one.buckets[i - 1].first ||
          one.buckets[i].second < one.buckets[i - 1].second) {
        return absl::InvalidArgumentError(name + ": buckets not cumulative");
      }
    }
    if (one.buckets.back().second != one.count) {
      return absl::InvalidArgumentError(name + ": +Inf bucket differs from _count");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, ExpositionFamily>> ParseExposition(absl::string_view text) {
  std::map<std::string, ExpositionFamily> families;
  std::string current;  // the family of the latest HELP or TYPE line
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    auto error = [number, line](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, " (", line, "): ", why));
    };
    if (line.empty()) continue;
    if (absl::ConsumePrefix(&line, "# ")) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
      if (parts[0] != "HELP" && parts[0] != "TYPE") continue;  // a comment
      if (parts.size() < 3 || !IsName(parts[1], true)) return error("bad HELP or TYPE");
      if (current != parts[1] && families.count(parts[1])) {
        return error("family declared in two places");
      }
      current = parts[1];
      ExpositionFamily& family = families[current];
      std::string& field = parts[0] == "HELP" ? family.help : family.type;
      if (!field.empty()) return error("repeated HELP or TYPE");
      field = parts[2];
      if (parts[0] == "TYPE" && field != "counter" && field != "gauge" &&
          field != "histogram" && field != "summary" && field != "untyped") {
        return error("unknown type");
      }
      continue;
    }
    if (line[0] == '#') continue;
    ExpositionSample sample;
    size_t end = line.find_first_of("{ ");
    if (end == absl::string_view::npos) return error("sample without a value");
    sample.name = std::string(line.substr(0, end));
    if (!IsName(sample.name, true)) return error("bad metric name");
    absl::string_view rest = line.substr(end);
    if (absl::Status s = ParseLabels(&rest, &sample.labels); !s.ok()) return error(s.message());
    if (!absl::ConsumePrefix(&rest, " ")) return error("no space before the value");
    std::vector<absl::string_view> value = absl::StrSplit(rest, ' ');
    if (value.size() > 2 || !ParseValue(value[0], &sample.value)) return error("bad value");
    std::string family = FamilyOf(sample.name, families);
    if (family.empty()) return error("sample of an undeclared family");
    if (family != current) return error("samples of a family are not together");
    ExpositionFamily& f = families[family];
    if (f.help.empty() || f.type.empty()) return error("family without HELP or TYPE");
    if (f.type == "counter" && !(sample.value >= 0)) return error("negative counter");
    f.samples.push_back(std::move(sample));
  }
  for (const auto& [name, family] : families) {
    if (family.help.empty() || family.type.empty()) {
      return absl::InvalidArgumentError(name + " lacks HELP or TYPE");
    }
    if (family.type == "histogram") {
      if (absl::Status s = CheckHistogram(name, family); !s.ok()) return s;
    }
  }
  return families;
}

}  // namespace warp::server
