// Failure reasons (see reasons.hpp).
#include "core/report/reasons.hpp"

#include <nlohmann/json.hpp>

#include <string>

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

std::string reduce_reason(int status, std::string_view body) {
  const std::string prefix = std::to_string(status) + ": ";
  auto doc = nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    auto ve = doc.find("validationErrors");
    if (ve != doc.end() && ve->is_object() && !ve->empty()) {
      std::string msg;
      for (auto it = ve->begin(); it != ve->end(); ++it) {
        auto add = [&](const nlohmann::ordered_json& m) {
          if (!msg.empty()) msg += "; ";
          msg += text_of(m) + " (at " + it.key() + ")";
        };
        if (it.value().is_array()) {
          for (const auto& m : it.value()) add(m);
        } else {
          add(it.value());
        }
      }
      if (!msg.empty()) return finish(msg);
    }
    auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty()) {
      std::string msg;
      for (const auto& e : *errors) {
        if (!msg.empty()) msg += "; ";
        msg += text_of(e);
      }
      return finish(msg);
    }
    auto message = doc.find("message");
    if (message != doc.end() && !message->is_null()) return finish(prefix + text_of(*message));
    auto detail = doc.find("detail");
    if (detail != doc.end() && !detail->is_null()) return finish(prefix + text_of(*detail));
  }
  std::string raw = linearize(body);
  if (raw.empty()) return finish(prefix + "(empty response)");
  return finish(prefix + raw);
}

std::string transport_reason(std::string_view error) {
  std::string e = linearize(error);
  if (e.empty()) e = "no response from the server";
  return finish(e);
}

}  // namespace lightbeam::report
