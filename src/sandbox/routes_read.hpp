// Route family, read side: the collection GET of a resource — offset/limit paging, totalCount, query
// filters, ODS 7.3 cursor paging (pageToken/pageSize) and GET /{resource}/partitions.
#pragma once
#include "core/schema/spec_model.hpp"
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

// GET collection; with `partitions` GET /{resource}/partitions (ods cursor paging). Authentication
// and routing have run (routes_data.cpp); query validation, authorization and the store run here.
void query(Context& ctx, const httplib::Request& req, httplib::Response& res, const schema::Endpoint& ep,
           bool partitions = false);

}  // namespace lightbeam::sandbox::routes
