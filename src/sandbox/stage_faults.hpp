// Request stage 1 of a data request: the injected latency and faults (--latency, --rate-limit,
// --fail-rate, --reset-rate, --hang-rate), which stand for the infrastructure in front of the API.
#pragma once
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::stage {

// Sleeps the latency, then applies the fault this request draws. True when the request was answered
// here (429, injected failure) or dropped (reset, hang): the pipeline stops.
bool inject_faults(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::stage
