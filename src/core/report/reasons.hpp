// Failure reasons: reduce an Ed-Fi API error body to the one-line message lightbeam reports.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lightbeam::report {

// Whitespace runs (space, tab, CR, LF, VT, FF) collapsed to one space, ends trimmed
// (Python's `re.sub(r"\s+", " ", s).strip()` for ASCII text).
std::string linearize(std::string_view text);

// The failure messages of an HTTP error answer to a POST, one failure entry each, as the Python
// lightbeam 0.1.11's send.py makes them:
//  - Ed-Fi 7.2+ / DMS `validationErrors` (non-empty object): "<msg> (at <path>)" per message, verbatim;
//  - else a non-empty `errors` array: each entry verbatim (one that is not a string as its JSON);
//  - else `message` (ODS before 7.2): "<status>: <message>", linearized, every `'` shown as a backtick;
//  - else `detail`: "<status>: <detail>", likewise;
//  - else (not JSON, or none of those): "<status>: <body>" linearized (or "<status>: (empty
//    response)"); an HTML page (a proxy's error page) is reduced to its visible text, at most 200
//    characters. (Python has no message there and counts the line as failed without an entry.)
std::vector<std::string> failure_messages(int status, std::string_view body);

// The failure messages joined with "; ": one line for a log message or an error (count, fetch,
// delete, truncate and metadata requests).
std::string reduce_reason(int status, std::string_view body);

// The message for a request that got no HTTP answer at all (status 0): the transport error
// ("connection refused", "timeout after 60 s", ...), linearized like reduce_reason.
std::string transport_reason(std::string_view error);

}  // namespace lightbeam::report
