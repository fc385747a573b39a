// OAuth client-credentials for the sandbox (tokens are random, kept in memory, expire after --token-ttl).
#include "sandbox/auth.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace lightbeam::sandbox {

Auth::Auth(std::vector<std::pair<std::string, std::string>> clients, int ttl_seconds)
    : clients_(std::move(clients)), ttl_(ttl_seconds) {}

bool Auth::check_client(const std::string& id, const std::string& secret) const {
  for (auto& [cid, csecret] : clients_)
    if (cid == id && csecret == secret) return true;
  return false;
}

std::string Auth::issue(const std::string& client_id) {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    for (auto& b : raw) b = static_cast<unsigned char>(std::rand());
  }
  std::string token;
  char hex[3];
  for (auto b : raw) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    token += hex;
  }
  std::unique_lock lock(mutex_);
  auto now = Clock::now();
  // Forget expired tokens now and then so a long run does not grow without bound.
  if (tokens_.size() > 10000) {
    for (auto it = tokens_.begin(); it != tokens_.end();) it = it->second.expires <= now ? tokens_.erase(it) : std::next(it);
  }
  tokens_[token] = Issued{now + std::chrono::seconds(ttl_), client_id};
  ++issued_;
  return token;
}

bool Auth::valid(const std::string& token) const {
  std::shared_lock lock(mutex_);
  auto it = tokens_.find(token);
  return it != tokens_.end() && Clock::now() < it->second.expires;
}

std::optional<std::string> Auth::client_of(const std::string& token) const {
  std::shared_lock lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end() || Clock::now() >= it->second.expires) return std::nullopt;
  return it->second.client_id;
}

std::size_t Auth::issued() const {
  std::shared_lock lock(mutex_);
  return issued_;
}

void Auth::clear() {
  std::unique_lock lock(mutex_);
  issued_ = 0;
}

std::optional<std::string> base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    int v = value(text[i]);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  for (; i < text.size(); ++i)
    if (text[i] != '=') return std::nullopt;
  return out;
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace lightbeam::sandbox
