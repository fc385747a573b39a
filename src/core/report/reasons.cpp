// Failure reasons (see reasons.hpp).
#include "core/report/reasons.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <string>
#include <utility>

namespace lightbeam::report {
namespace {

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string text_of(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string finish(std::string s) {
  std::string out = linearize(s);
  for (char& c : out)
    if (c == '\'') c = '`';
  return out;
}

// An HTML page (a proxy's or load balancer's error page) reduced to its visible text: tags,
// scripts and styles dropped, the common entities decoded, at most k_html_text_max characters.
// Its raw markup would be kilobytes per failure entry and says nothing more.
constexpr std::size_t k_html_text_max = 200;

bool looks_like_html(std::string_view body) {
  std::size_t i = 0;
  while (i < body.size() && is_ascii_space(body[i])) ++i;
  if (i == body.size() || body[i] != '<') return false;
  std::string head(body.substr(i, 64));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0 || head.rfind("<head", 0) == 0 ||
         head.rfind("<body", 0) == 0;
}

std::string html_text(std::string_view body) {
  std::string text;
  std::size_t i = 0;
  auto lower_at = [&](std::size_t at, std::string_view word) {
    if (at + word.size() > body.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(body[at + k])) != word[k]) return false;
    return true;
  };
  while (i < body.size()) {
    if (body[i] == '<') {
      // <script>/<style>: skip to the matching close tag, content and all.
      for (std::string_view tag : {"script", "style"})
        if (lower_at(i + 1, tag)) {
          std::size_t close = i + 1;
          while (close < body.size() && !(body[close] == '<' && lower_at(close + 1, std::string("/") += tag))) ++close;
          i = close;
        }
      const auto end = body.find('>', i);
      if (end == std::string_view::npos) break;
      i = end + 1;
      text += ' ';
      continue;
    }
    if (body[i] == '&') {
      static const std::pair<std::string_view, char> k_entities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&nbsp;", ' '}};
      bool decoded = false;
      for (const auto& [name, ch] : k_entities)
        if (body.substr(i, name.size()) == name) {
          text += ch;
          i += name.size();
          decoded = true;
          break;
        }
      if (decoded) continue;
    }
    text += body[i++];
  }
  text = linearize(text);
  if (text.size() > k_html_text_max) {
    std::size_t cut = k_html_text_max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

}  // namespace

std::string linearize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_ascii_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> failure_messages(int status, std::string_view body) {
  const std::string prefix = std::to_string(status) + ": ";
  auto doc = nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    std::vector<std::string> messages;
    auto ve = doc.find("validationErrors");
    if (ve != doc.end() && ve->is_object() && !ve->empty()) {
      for (auto it = ve->begin(); it != ve->end(); ++it) {
        if (it.value().is_array()) {
          for (const auto& m : it.value()) messages.push_back(text_of(m) + " (at " + it.key() + ")");
        } else {
          messages.push_back(text_of(it.value()) + " (at " + it.key() + ")");
        }
      }
      if (!messages.empty()) return messages;
    }
    auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty()) {
      for (const auto& e : *errors) messages.push_back(text_of(e));
      return messages;
    }
    auto message = doc.find("message");
    if (message != doc.end() && !message->is_null()) return {finish(prefix + text_of(*message))};
    auto detail = doc.find("detail");
    if (detail != doc.end() && !detail->is_null()) return {finish(prefix + text_of(*detail))};
  }
  std::string raw = looks_like_html(body) ? html_text(body) : linearize(body);
  if (raw.empty()) return {finish(prefix + "(empty response)")};
  return {finish(prefix + raw)};
}

std::string reduce_reason(int status, std::string_view body) {
  std::string joined;
  for (const auto& m : failure_messages(status, body)) {
    if (!joined.empty()) joined += "; ";
    joined += m;
  }
  return joined;
}

std::string transport_reason(std::string_view error) {
  std::string e = linearize(error);
  if (e.empty()) e = "no response from the server";
  return finish(e);
}

}  // namespace lightbeam::report
