// OAuth client-credentials for the sandbox: known clients, issued bearer tokens (random opaque
// strings kept in memory) and their expiry.
#pragma once
#include <chrono>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lightbeam::sandbox {

class Auth {
 public:
  Auth(std::vector<std::pair<std::string, std::string>> clients, int ttl_seconds);

  bool check_client(const std::string& id, const std::string& secret) const;
  // Issues a new token for the client; returns it.
  std::string issue(const std::string& client_id);
  // True when the token was issued by us and has not expired.
  bool valid(const std::string& token) const;
  // The client the token was issued to, when it is valid (authorization is per client).
  std::optional<std::string> client_of(const std::string& token) const;
  int ttl() const { return ttl_; }
  std::size_t issued() const;
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  std::vector<std::pair<std::string, std::string>> clients_;
  int ttl_;
  mutable std::shared_mutex mutex_;
  struct Issued {
    Clock::time_point expires;
    std::string client_id;
  };
  std::unordered_map<std::string, Issued> tokens_;
  std::size_t issued_ = 0;
};

// Decodes standard base64 (padding optional); nullopt on invalid input.
std::optional<std::string> base64_decode(const std::string& text);
std::string url_decode(const std::string& text);

}  // namespace lightbeam::sandbox
