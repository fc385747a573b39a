// OAuth client-credentials token manager (see oauth.hpp).
#include "core/edfi/oauth.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/report/reasons.hpp"

namespace lightbeam::edfi {

std::string base64_encode(std::string_view bytes) {
  static const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  while (i + 2 < bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
    i += 3;
  }
  if (i + 1 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

TokenManager::TokenManager(std::string oauth_url, std::string client_id, std::string client_secret,
                           http::EngineOptions options)
    : url_(std::move(oauth_url)), client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {
  options.pool_size = 1;
  options.num_retries = std::min(options.num_retries, 3);
  engine_ = std::make_unique<http::Engine>(std::move(options));
}

TokenManager::~TokenManager() = default;

std::string TokenManager::authorization_header() {
  std::lock_guard lock(mu_);
  if (header_.empty() || std::chrono::steady_clock::now() >= refresh_at_) fetch_locked();
  return header_;
}

void TokenManager::invalidate(const std::string& header_that_failed) {
  std::lock_guard lock(mu_);
  // Only the first 401 for a given token refreshes it; the others retry with the new one.
  if (header_that_failed == header_ || header_.empty()) {
    spdlog::debug("fetching a new OAuth token after a 401 response...");
    fetch_locked();
  }
}

int TokenManager::tokens_fetched() const {
  std::lock_guard lock(mu_);
  return fetched_;
}

void TokenManager::fetch_locked() {
  if (client_id_.empty() || client_secret_.empty()) {
    const std::string missing = client_id_.empty() && client_secret_.empty() ? "edfi_api.client_id and edfi_api.client_secret are"
                                : client_id_.empty()                         ? "edfi_api.client_id is"
                                                                             : "edfi_api.client_secret is";
    throw Error(missing + std::string(" empty or not set in the config (an empty ${VAR}?); both are required to authenticate at ") + url_);
  }
  auto attempt = [&](bool basic) {
    http::Request r;
    r.method = "POST";
    r.url = url_;
    r.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    if (basic) {
      r.body = "grant_type=client_credentials";
      r.headers.push_back("Authorization: Basic " + base64_encode(client_id_ + ":" + client_secret_));
    } else {
      r.body = "grant_type=client_credentials&client_id=" + http::url_encode(client_id_) +
               "&client_secret=" + http::url_encode(client_secret_);
    }
    return engine_->perform(std::move(r));
  };
  auto refused = [](long s) { return s == 400 || s == 401 || s == 403; };

  http::Outcome o = attempt(use_basic_);
  if (!use_basic_ && refused(o.status)) {
    // DMS (and some ODS set-ups) accept only HTTP Basic client authentication.
    http::Outcome basic = attempt(true);
    if (basic.status == 200) use_basic_ = true;
    o = std::move(basic);
  }
  if (o.transport_failed())
    throw Error("could not connect to " + url_ + " to obtain an OAuth token (" + report::transport_reason(o.error) +
                "): check edfi_api.oauth_url / base_url and connection settings");
  if (refused(o.status))
    throw Error("authentication failed at " + url_ + ": check edfi_api.client_id / client_secret (HTTP " +
                std::to_string(o.status) + ")");
  if (o.status != 200)
    throw Error("could not obtain an OAuth token from " + url_ + " (" + report::reduce_reason(static_cast<int>(o.status), o.body) +
                ")");
  nlohmann::json doc = nlohmann::json::parse(o.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string() ||
      doc["access_token"].get<std::string>().empty())
    throw Error("the OAuth answer from " + url_ + " has no access_token (is edfi_api.oauth_url right?)");
  double expires_in = 1800;
  if (auto e = doc.find("expires_in"); e != doc.end()) {
    if (e->is_number()) expires_in = e->get<double>();
    else if (e->is_string()) {
      try {
        expires_in = std::stod(e->get<std::string>());
      } catch (...) {
      }
    }
  }
  if (expires_in <= 0) expires_in = 1800;
  // Refresh a little before expiry (10% of the lifetime, at most a minute) so long runs never
  // send a request with a token that dies on the way.
  double margin = std::min(60.0, expires_in * 0.1);
  refresh_at_ = std::chrono::steady_clock::now() +
                std::chrono::milliseconds(static_cast<int64_t>((expires_in - margin) * 1000.0));
  header_ = "Bearer " + doc["access_token"].get<std::string>();
  ++fetched_;
}

}  // namespace lightbeam::edfi
