// Failure reasons: reduce an Ed-Fi API error body to the one-line message lightbeam reports.
#pragma once
#include <string>
#include <string_view>

namespace lightbeam::report {

// Whitespace runs (space, tab, CR, LF, VT, FF) collapsed to one space, ends trimmed
// (Python's `re.sub(r"\s+", " ", s).strip()` for ASCII text).
std::string linearize(std::string_view text);

// One message for an HTTP error answer, as the Python lightbeam reduces it:
//  - Ed-Fi 7.2+ / DMS `validationErrors` (non-empty object): "<msg> (at <path>)" per message,
//    joined with "; ";
//  - else non-empty `errors` array: its entries joined with "; ";
//  - else `message` (ODS before 7.2): "<status>: <message>";
//  - else `detail`: "<status>: <detail>";
//  - else (not JSON, or none of those): "<status>: <body>" (or "<status>: (empty response)"); an HTML
//    page (a proxy's error page) is reduced to its visible text, at most 200 characters.
// The result is linearized and every `'` is shown as a backtick (so it can sit in quotes).
std::string reduce_reason(int status, std::string_view body);

// The message for a request that got no HTTP answer at all (status 0): the transport error
// ("connection refused", "timeout after 60 s", ...), linearized like reduce_reason.
std::string transport_reason(std::string_view error);

}  // namespace lightbeam::report
