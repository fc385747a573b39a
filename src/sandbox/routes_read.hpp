// Route family, read side: the collection GET of a resource — offset/limit paging, totalCount, query
// filters, ODS 7.3 cursor paging (pageToken/pageSize) and GET /{resource}/partitions — and change
// queries: min/maxChangeVersion windows, GET /{resource}/deletes and /keyChanges, and
// GET /changeQueries/v1/availableChangeVersions.
#pragma once
#include "core/schema/spec_model.hpp"
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

enum class Read { collection, partitions, deletes, key_changes };

// GET collection, GET /{resource}/partitions (ods cursor paging), /deletes or /keyChanges.
// Authentication and routing have run (routes_data.cpp); query validation, authorization and the
// store run here.
void query(Context& ctx, const httplib::Request& req, httplib::Response& res, const schema::Endpoint& ep,
           Read what = Read::collection);

// GET {base}/changeQueries/v1[/{year}]/availableChangeVersions; true when the request was this route.
bool change_versions(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::routes
