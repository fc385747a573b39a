// The metadata cache (see metadata_cache.hpp).
#include "core/edfi/metadata_cache.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace lightbeam::edfi {

namespace fs = std::filesystem;

std::string md5_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + tmp.string() + ": check that the folder exists and is writable");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw Error("cannot write " + tmp.string() + " (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
  }
}

MetadataCache::MetadataCache(fs::path dir, bool enabled, bool wipe, double ttl_seconds)
    : dir_(std::move(dir)), enabled_(enabled), wipe_(wipe), ttl_(ttl_seconds) {}

bool MetadataCache::fresh(const std::string& name) const {
  if (!enabled_ || wipe_) return false;
  std::error_code ec;
  auto mtime = fs::last_write_time(path_of(name), ec);
  if (ec) return false;
  return std::chrono::duration<double>(fs::file_time_type::clock::now() - mtime).count() < ttl_;
}

std::optional<std::string> MetadataCache::read(const std::string& name) const {
  if (!enabled_ || wipe_) return std::nullopt;
  fs::path p = path_of(name);
  std::error_code ec;
  auto mtime = fs::last_write_time(p, ec);
  if (ec) return std::nullopt;
  auto age = std::chrono::duration<double>(fs::file_time_type::clock::now() - mtime).count();
  if (age >= ttl_) {
    spdlog::debug("cache file {} is older than {} s; fetching again", p.string(), ttl_);
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  // One read into a string of the file's size (the specs are megabytes; a stringstream copies twice).
  std::string text;
  auto size = fs::file_size(p, ec);
  if (!ec) {
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
  }
  if (ec || in.bad()) {
    in.clear();
    in.seekg(0);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  spdlog::debug("re-using cached {}", p.string());
  return text;
}

void MetadataCache::write(const std::string& name, std::string_view content) const {
  if (!enabled_) return;
  try {
    write_file_atomically(path_of(name), content);
    spdlog::debug("saved {}", path_of(name).string());
  } catch (const Error& e) {
    spdlog::warn("could not write the metadata cache: {}", e.what());
  }
}

void MetadataCache::discard(const std::string& name, const std::string& why) const {
  std::error_code ec;
  fs::remove(path_of(name), ec);
  spdlog::warn("discarding corrupt cache file {} ({}); fetching it again", path_of(name).string(), why);
}

}  // namespace lightbeam::edfi
