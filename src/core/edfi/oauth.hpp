// OAuth 2.0 client-credentials token manager: implements http::Auth for the request engine.
// Form-body credentials first, HTTP Basic when the server refuses them (DMS requires Basic);
// proactive refresh before expires_in runs out; one shared refresh per failed token.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/http/engine.hpp"

namespace lightbeam::edfi {

class TokenManager : public http::Auth {
 public:
  // `options` configure the token requests (timeouts, TLS, retries on 5xx); the secret is never
  // logged or put into an error message.
  TokenManager(std::string oauth_url, std::string client_id, std::string client_secret,
               http::EngineOptions options);
  ~TokenManager() override;

  // "Bearer <token>"; fetches a token when there is none or it is about to expire.
  // Throws Error "authentication failed at <url>: check edfi_api.client_id / client_secret" on
  // 400/401/403 answers, or a connection error message naming the URL.
  std::string authorization_header() override;
  void invalidate(const std::string& header_that_failed) override;

  int tokens_fetched() const;
  const std::string& oauth_url() const { return url_; }

 private:
  void fetch_locked();

  std::string url_, client_id_, client_secret_;
  std::unique_ptr<http::Engine> engine_;
  mutable std::mutex mu_;
  std::string header_;
  std::chrono::steady_clock::time_point refresh_at_{};
  bool use_basic_ = false;
  int fetched_ = 0;
};

// base64 of the bytes (standard alphabet, padded).
std::string base64_encode(std::string_view bytes);

}  // namespace lightbeam::edfi
