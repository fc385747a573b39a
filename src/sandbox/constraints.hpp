// The write rules the OpenAPI documents do not carry (edfi-api-behavior.md §4.9, §5 step 11): decimal
// precision/scale and equality constraints, from an optional table (docs/sandbox-constraints.md), plus
// the identity-reference unification groups the spec model derives (§4.3) — one equality rule for both.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/problem.hpp"

namespace lightbeam::sandbox {

// A constrained location: "$.classPeriods[*].classPeriodReference.schoolId" (`[*]` = every array item).
struct ConstraintPath {
  struct Segment {
    std::string name;
    bool each = false;  // "name[*]"
  };
  std::string text;  // as written, the validationErrors key
  std::vector<Segment> segments;

  // Every value at this path in `doc` (document order); missing branches contribute nothing.
  void collect(const nlohmann::json& doc, std::vector<const nlohmann::json*>& out) const;
};

struct DecimalRule {
  ConstraintPath path;
  int precision = 0;     // total digits
  int scale = 0;         // digits after the point
  std::string max_text;  // "999.99" for decimal(5,2); the minimum is its negation
};

// Paths whose values must all be equal (sorted by path text; values are listed in that order).
struct EqualityGroup {
  std::vector<ConstraintPath> paths;
};

struct ResourceConstraints {
  std::vector<DecimalRule> decimals;
  std::vector<EqualityGroup> equality;
};

class Constraints {
 public:
  Constraints() = default;
  // The derived unification groups of every endpoint, plus the table at `file` when not empty.
  // Throws lightbeam::Error naming the file and key on any problem in the table.
  Constraints(const schema::SpecModel& model, const std::filesystem::path& file);

  // Which table to use: `explicit_file` when given, else `<specs_dir>/constraints.json` when it
  // exists, else none (empty path).
  static std::filesystem::path choose_file(const std::string& specs_dir, const std::string& explicit_file);

  const std::filesystem::path& file() const { return file_; }
  std::size_t decimal_count() const;
  std::size_t equality_count() const;  // table groups only (derived unification not counted)

  // §5 step 11: decimal precision → 400 data-validation-failed [val-41].
  std::optional<Problem> check_decimals(const schema::Endpoint& ep, const nlohmann::json& doc) const;
  // §5 step 11: equality / key unification → 400 data-validation-failed [val-43, val-44] (§8.2 #14).
  std::optional<Problem> check_equality(const schema::Endpoint& ep, const nlohmann::json& doc) const;

 private:
  std::unordered_map<const schema::Endpoint*, ResourceConstraints> by_endpoint_;
  std::filesystem::path file_;
  std::size_t table_equality_ = 0;
};

// True when |value| fits decimal(precision, scale), i.e. |value| <= 10^(precision-scale) - 10^-scale,
// compared exactly on the number's decimal text (e.g. "999.99", "-1.5e3").
bool decimal_within(const std::string& number_text, int precision, int scale);
// "999.99" for (5, 2), "9.9999" for (5, 4), "0.99" for (2, 2), "999" for (3, 0).
std::string decimal_max_text(int precision, int scale);

}  // namespace lightbeam::sandbox
