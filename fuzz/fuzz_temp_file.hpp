// A per-process scratch file for targets whose API reads a path (JSONL reader, config loader):
// each input is written to it before the call; it is removed at exit.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace lightbeam::fuzz {

inline const std::filesystem::path& temp_file(const char* suffix) {
  static const std::filesystem::path path = [suffix] {
    auto p = std::filesystem::temp_directory_path() /
             ("lightbeam-fuzz-" + std::to_string(::getpid()) + suffix);
    std::atexit([] { std::remove(temp_file("").c_str()); });
    return p;
  }();
  return path;
}

inline void write_temp_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
}

}  // namespace lightbeam::fuzz
