// How an Ed-Fi API coerces a body's values before its type checks (docs/coercion.md). `validate`
// applies the rule of the API it discovered, the sandbox the rule of its flavour.
#pragma once
#include <cstdint>

namespace lightbeam::schema {

enum class Coercion : uint8_t {
  none,  // plain JSON Schema (the draft-4 test suite)
  // DMS (CoerceRequestValuesMiddleware): numeric strings for integer/number; "true"/"false",
  // "0"/"1", 0/1 for boolean; nothing for string.
  dms,
  // ODS/API 7.x (Newtonsoft.Json): numeric strings for integer/number; "true"/"false" and any
  // number (non-zero = true) for boolean, but not "0"/"1"; a number or boolean for a plain string
  // (one without a date/time format) becomes its text.
  ods,
};

}  // namespace lightbeam::schema
