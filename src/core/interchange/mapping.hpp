// How an Ed-Fi XML interchange element maps onto the API's resource model (docs/convert.md). The
// rules are general naming rules over the OpenAPI model that `validate` uses (schema::SpecModel),
// never a table per resource, so other Data Standard versions and extensions map the same way.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/spec_model.hpp"

namespace lightbeam::interchange {

// What an element holds: only text, or child elements (or a `ref` attribute standing for them).
enum class Shape { text, complex };

struct Match {
  enum class Kind {
    none,                    // no rule applies: reported as unmapped
    property,                // the element is `property` (scalar, descriptor, reference, object, array item)
    array_item,              // the element is one item of the array `property` (text: goes into `inner`)
    array_wrap,              // the element is the `inner` property of one new item of the array `property`
    single_field_reference,  // text that is the only field of the reference `property` (SchoolYear)
    flatten,                 // a wrapper the API flattens (Name, BirthData): its children map into the same object
  };
  Kind kind = Kind::none;
  const schema::Property* property = nullptr;
  const schema::Property* inner = nullptr;
};

// The rule for an element named `name` (its local name, PascalCase) of shape `shape` inside an
// object of model `m`; the first rule that applies wins:
//   1. a property of the same name (case-insensitive: IEPPlacementMeetingIndicator → iepPlacementMeetingIndicator);
//   2. a property named name + "Descriptor" (AddressType → addressTypeDescriptor);
//   3. an array whose singular is the name or its last words (Address → addresses,
//      AppropriateGradeLevel → appropriateGradeLevels, ImmunizationDate → dates);
//   4. an array whose item has a property matching the name by 1-2 (ClassPeriodReference → classPeriods[].classPeriodReference);
//   5. a reference whose role and only field make the name (SchoolYear → schoolYearTypeReference.schoolYear,
//      ClassOfSchoolYear → classOfSchoolYearTypeReference.schoolYear);
//   6. rules 1-5 on the name without its leading words (role names: FundFundDimensionReference → fundDimensionReference,
//      ElementProgramEvaluationLevel → programEvaluationLevels);
//   7. a complex element that matched nothing is a wrapper the API flattened; its children map into
//      the same object, first with the wrapper's role words before their names (AvailableCredits/Credits
//      → availableCredits, AvailableCredits/CreditType → availableCreditTypeDescriptor), then as they are.
Match resolve(const schema::ObjectModel& m, std::string_view name, Shape shape);

// Where each PascalCase word after the first begins ("IEPPlacementMeeting" → 3, 12).
std::vector<size_t> word_starts(std::string_view name);

// The API value of an element's text for a property of JSON type `type` ("integer", "number",
// "boolean", else string). nullopt when the text is not of that type (the caller reports it).
// An integer school year written as the XSD's SchoolYearType ("2021-2022") is its ending year.
std::optional<nlohmann::json> typed_value(std::string_view text, std::string_view type);

}  // namespace lightbeam::interchange
