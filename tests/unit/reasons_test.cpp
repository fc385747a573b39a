// Failure reasons: the Python lightbeam 0.1.11's messages for API error bodies (send.py's do_post).
#include <gtest/gtest.h>

#include "core/report/reasons.hpp"

using lightbeam::report::failure_messages;
using lightbeam::report::linearize;
using lightbeam::report::reduce_reason;
using lightbeam::report::transport_reason;

// One message per validationErrors entry, verbatim (Python: f"{error} (at {json_path})", no
// linearize, no backticks), in the body's order.
TEST(Reasons, ValidationErrorsAreOneMessageEachVerbatim) {
  std::string body = R"({"detail":"Data validation failed. See 'validationErrors' for details.",
    "type":"urn:ed-fi:api:bad-request:data-validation-failed","title":"Data Validation Failed","status":400,
    "validationErrors":{"$.schoolId":["schoolId is required."],"$.nameOfInstitution":["can't be  long","empty"]},
    "errors":["ignored"]})";
  EXPECT_EQ(failure_messages(400, body),
            (std::vector<std::string>{"schoolId is required. (at $.schoolId)", "can't be  long (at $.nameOfInstitution)",
                                      "empty (at $.nameOfInstitution)"}));
  EXPECT_EQ(reduce_reason(400, body),
            "schoolId is required. (at $.schoolId); can't be  long (at $.nameOfInstitution); empty (at $.nameOfInstitution)");
}

TEST(Reasons, ErrorsArrayWhenNoValidationErrorsEntryByEntry) {
  std::string body = R"({"detail":"The request construction was invalid.","validationErrors":{},
    "errors":["Resource items can only be updated using PUT. To 'upsert' an item, remove the 'id'.", "second"]})";
  EXPECT_EQ(failure_messages(405, body),
            (std::vector<std::string>{"Resource items can only be updated using PUT. To 'upsert' an item, remove the 'id'.",
                                      "second"}));
}

TEST(Reasons, MessageOfOlderOdsGetsTheStatus) {
  std::string body = "{ \"message\": \"Validation of 'StudentSchoolAssociation' failed.\\n\\tStudent reference could not be resolved.\\n\" }";
  EXPECT_EQ(reduce_reason(400, body),
            "400: Validation of `StudentSchoolAssociation` failed. Student reference could not be resolved.");
}

TEST(Reasons, DetailWhenNothingElse) {
  EXPECT_EQ(reduce_reason(409, R"({"detail":"The item  could not be\tdeleted.","validationErrors":{},"errors":[]})"),
            "409: The item could not be deleted.");
  EXPECT_EQ(reduce_reason(401, R"({"detail":"The caller could not be authenticated.","errors":[]})"),
            "401: The caller could not be authenticated.");
}

TEST(Reasons, NonJsonAndEmptyBodies) {
  EXPECT_EQ(reduce_reason(502, "<html>\n  Bad   gateway </html>\n"), "502: Bad gateway");  // HtmlPageIsReducedToItsText
  EXPECT_EQ(reduce_reason(503, ""), "503: (empty response)");
  EXPECT_EQ(reduce_reason(503, " \n "), "503: (empty response)");
  EXPECT_EQ(reduce_reason(500, "[1,2]"), "500: [1,2]");
  EXPECT_EQ(reduce_reason(500, "{not json"), "500: {not json");
}

TEST(Reasons, NonStringEntriesAreDumped) {
  EXPECT_EQ(reduce_reason(400, R"({"validationErrors":{"$.a":[{"x":1}]}})"), "{\"x\":1} (at $.a)");
  EXPECT_EQ(reduce_reason(400, R"({"message":null,"detail":"d"})"), "400: d");
}

TEST(Reasons, LinearizeAndTransport) {
  EXPECT_EQ(linearize("  a \t\r\n b\n"), "a b");
  EXPECT_EQ(linearize(""), "");
  EXPECT_EQ(transport_reason("Couldn't connect\nto server"), "Couldn`t connect to server");
  EXPECT_EQ(transport_reason(""), "no response from the server");
}

// A proxy's HTML error page: its visible text, not kilobytes of markup (the Python tool keeps the raw
// page; docs/compatibility.md).
TEST(Reasons, HtmlPageIsReducedToItsText) {
  EXPECT_EQ(reduce_reason(502, "<html><head><title>502 Bad Gateway</title><style>h1{color:red}</style></head>"
                               "<body><h1>502 Bad Gateway</h1><hr><center>nginx &amp; co</center>"
                               "<script>var x = '<b>';</script></body></html>"),
            "502: 502 Bad Gateway 502 Bad Gateway nginx & co");
  const std::string long_page = "<!DOCTYPE html><html><body><p>" + std::string(500, 'x') + "</p></body></html>";
  EXPECT_EQ(reduce_reason(503, long_page), "503: " + std::string(200, 'x') + "...");
  // Not HTML: kept as it came, linearized.
  EXPECT_EQ(reduce_reason(500, "<oops> not a page"), "500: <oops> not a page");
}
