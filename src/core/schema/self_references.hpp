// Records that reference records of their own endpoint: learningStandards'
// parentLearningStandardReference, objectiveAssessments' parentObjectiveAssessmentReference,
// localEducationAgencies' parentLocalEducationAgencyReference (DS 5.2). `send` uses the keys to
// hold a child back until its parent's POST has been answered (docs/send.md, "Self-references").
#pragma once

#include <optional>
#include <vector>

#include <simdjson.h>

#include "core/schema/spec_model.hpp"
#include "core/schema/validator.hpp"

namespace lightbeam::schema {

class SelfReferences {
 public:
  // The endpoint's top-level reference properties whose only target is the endpoint itself;
  // nullopt when it has none (then `send` streams it without any bookkeeping).
  static std::optional<SelfReferences> of(const Endpoint& ep);

  // The key by which other records of the endpoint reference `doc` (its reference projection,
  // keyed as validate's local reference index keys it).
  Hash128 own_key(simdjson::dom::element doc) const;
  // Keys of the records of the same endpoint that `doc` references (present references only;
  // a reference to the record itself is left out).
  void parent_keys(simdjson::dom::element doc, std::vector<Hash128>& out) const;

 private:
  const Reference* reference_ = nullptr;  // the endpoint's own reference schema
  const ReferenceTarget* target_ = nullptr;
  std::vector<const Property*> properties_;  // e.g. parentLearningStandardReference
};

}  // namespace lightbeam::schema
