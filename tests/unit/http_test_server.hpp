// A tiny loopback HTTP/1.1 server on raw sockets for client tests: every fault (reset, silence,
// 429, 503, HTML bodies) is exactly controllable. Header-only; used by unit and e2e tests.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace lightbeam::testing {

struct RawRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// What the handler wants: a full response, or to drop the connection, or to never answer.
struct Reply {
  // until_close: no Content-Length, the body ends when the connection closes (so the client
  // cannot know the size before reading it).
  enum Kind { respond, reset, hang, until_close } kind = respond;
  int status = 200;
  std::string body;
  std::vector<std::string> headers;
};

class MiniServer {
 public:
  explicit MiniServer(std::function<Reply(const RawRequest&)> handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 64);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~MiniServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int c : open_) ::shutdown(c, SHUT_RDWR);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  int max_in_flight() const { return max_in_flight_.load(); }

 private:
  void accept_loop() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) break;
      ++connections_;
      std::lock_guard lock(mu_);
      open_.push_back(c);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string buffer;
    char chunk[65536];
    for (;;) {
      size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) return finish(c);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      RawRequest r;
      std::string head = buffer.substr(0, header_end);
      size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
      r.method = first.substr(0, sp1);
      r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t e = head.find("\r\n", pos);
        if (e == std::string::npos) e = head.size();
        std::string line = head.substr(pos, e - pos);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          for (auto& ch : name) ch = static_cast<char>(std::tolower(ch));
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          r.headers[name] = value;
        }
        pos = e + 2;
      }
      size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
      buffer.erase(0, header_end + 4);
      while (buffer.size() < length) {
        ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) return finish(c);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      r.body = buffer.substr(0, length);
      buffer.erase(0, length);
      int now = ++in_flight_;
      int prev = max_in_flight_.load();
      while (now > prev && !max_in_flight_.compare_exchange_weak(prev, now)) {
      }
      ++requests_;
      Reply reply = handler_(r);
      --in_flight_;
      if (reply.kind == Reply::reset) {
        linger lg{1, 0};  // RST instead of FIN
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        return finish(c);
      }
      if (reply.kind == Reply::hang) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_.load(); });
        lock.unlock();
        return finish(c);
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\n";
      out += reply.kind == Reply::until_close ? std::string("Connection: close\r\n")
                                              : "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
      for (auto& h : reply.headers) out += h + "\r\n";
      out += "\r\n" + reply.body;
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return finish(c);
        sent += static_cast<size_t>(n);
      }
      if (reply.kind == Reply::until_close) return finish(c);
    }
  }
  void finish(int c) { ::close(c); }

  std::function<Reply(const RawRequest&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::vector<int> open_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0}, requests_{0}, in_flight_{0}, max_in_flight_{0};
};

}  // namespace lightbeam::testing
