// Where ODS/API 7.3 words a problem differently from DMS (the sandbox's own wording), as its Postman
// suites assert: property names in messages in PascalCase (the ODS names its C# properties),
// "must be at most N characters in length.", double-quoted words in the 405 texts, and "data"/"item"
// in the key-change detail. Applied to every problem body of the ods flavour.
#pragma once
#include "sandbox/problem.hpp"

namespace lightbeam::sandbox {

void apply_ods_wording(Problem& p);

}  // namespace lightbeam::sandbox
