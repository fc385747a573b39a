// The metadata cache under {state_dir}/cache: OpenAPI documents and descriptor values, kept for
// 2,629,800 s (a month, as the Python tool), written atomically (temp file + rename).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lightbeam::edfi {

inline constexpr double k_cache_ttl_seconds = 2629800;

class MetadataCache {
 public:
  // enabled=false: never reads or writes. wipe=true: never reads (fresh downloads overwrite).
  MetadataCache(std::filesystem::path dir, bool enabled, bool wipe, double ttl_seconds = k_cache_ttl_seconds);

  // The content of a fresh (younger than the TTL) cache file, else nullopt.
  std::optional<std::string> read(const std::string& name) const;
  // Whether read(name) would find a fresh file (without reading it).
  bool fresh(const std::string& name) const;
  // Atomic write; problems only warn (a cache must never fail a run).
  void write(const std::string& name, std::string_view content) const;
  // Removes a corrupt file with a warning naming it and why.
  void discard(const std::string& name, const std::string& why) const;
  std::filesystem::path path_of(const std::string& name) const { return dir_ / name; }
  bool enabled() const { return enabled_; }

 private:
  std::filesystem::path dir_;
  bool enabled_;
  bool wipe_;
  double ttl_;
};

// Lower-case hex MD5 (cache file names as the Python tool: swagger-resources-<md5(url)>.json).
std::string md5_hex(std::string_view text);

// Writes `content` to `path` through `path`.tmp-<pid> and rename(); throws Error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace lightbeam::edfi
