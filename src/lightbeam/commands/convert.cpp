// `lightbeam convert PATH...`: Ed-Fi XML interchange files (or folders of them, recursively) →
// {data_dir}/{endpoint}.jsonl, mapped through the API's own OpenAPI model (the documents `validate`
// uses). Two streaming passes: the first collects the identity of every element with an `id`, so a
// `ref` resolves whichever file it is in; the second writes the documents. Files are written under
// temporary names and renamed at the end, so a failed run leaves the previous files as they were.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/edfi/api_client.hpp"
#include "core/error.hpp"
#include "core/interchange/converter.hpp"
#include "core/schema/spec_model.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {
namespace {

namespace fs = std::filesystem;

bool is_xml(const fs::path& p) {
  std::string ext = schema::to_lower(p.extension().string());
  return ext == ".xml";
}

// The files the arguments name: files as given, folders searched recursively for *.xml, each sorted.
std::vector<fs::path> interchange_files(const std::vector<std::string>& paths) {
  if (paths.empty())
    throw Error("convert needs the XML interchange files or folders to read: lightbeam convert -c lightbeam.yaml PATH...");
  std::vector<fs::path> out;
  for (const auto& arg : paths) {
    std::error_code ec;
    const fs::path p(arg);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && is_xml(it->path())) found.push_back(it->path());
      if (ec) throw Error("cannot read folder " + arg + ": " + ec.message());
      if (found.empty()) throw Error("folder " + arg + " holds no *.xml interchange files");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      throw Error("interchange file or folder " + arg + " does not exist");
    }
  }
  return out;
}

// One {endpoint}.jsonl per endpoint, written as {endpoint}.jsonl.convert-tmp until commit().
class JsonlFiles {
 public:
  explicit JsonlFiles(fs::path dir) : dir_(std::move(dir)) {}
  ~JsonlFiles() {
    for (auto& [name, f] : files_) {
      if (f.handle) std::fclose(f.handle);
      std::error_code ec;
      fs::remove(f.tmp, ec);
    }
  }
  JsonlFiles(const JsonlFiles&) = delete;
  JsonlFiles& operator=(const JsonlFiles&) = delete;

  void write(const std::string& endpoint, const std::string& line) {
    auto& f = files_[endpoint];
    if (!f.handle) {
      f.tmp = dir_ / (endpoint + ".jsonl.convert-tmp");
      f.handle = std::fopen(f.tmp.c_str(), "wb");
      if (!f.handle) throw Error("cannot write " + f.tmp.string() + ": " + std::strerror(errno));
      std::setvbuf(f.handle, nullptr, _IOFBF, 1 << 16);
    }
    if (std::fwrite(line.data(), 1, line.size(), f.handle) != line.size() || std::fputc('\n', f.handle) == EOF)
      throw Error("cannot write " + f.tmp.string() + ": " + std::strerror(errno));
  }

  void commit() {
    for (auto& [name, f] : files_) {
      const fs::path final_path = dir_ / (name + ".jsonl");
      if (std::fclose(f.handle) != 0) {
        f.handle = nullptr;
        throw Error("cannot write " + f.tmp.string() + ": " + std::strerror(errno));
      }
      f.handle = nullptr;
      std::error_code ec;
      fs::rename(f.tmp, final_path, ec);
      if (ec) throw Error("cannot rename " + f.tmp.string() + " to " + final_path.string() + ": " + ec.message());
    }
  }

 private:
  struct File {
    fs::path tmp;
    std::FILE* handle = nullptr;
  };
  fs::path dir_;
  std::map<std::string, File> files_;
};

}  // namespace

int run_convert(const RunContext& ctx) {
  const auto& cfg = ctx.config;
  const auto files = interchange_files(ctx.options.paths);
  std::uintmax_t bytes = 0;
  for (const auto& f : files) {
    std::error_code ec;
    bytes += fs::file_size(f, ec);
  }

  edfi::ApiClient client(cfg, edfi::ClientOptions{.wipe = ctx.options.wipe});
  const schema::SpecModel& model = client.spec_model();

  const fs::path out_dir(cfg.data_dir);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create data_dir " + cfg.data_dir + ": " + ec.message());

  const auto started = std::chrono::steady_clock::now();
  spdlog::info("converting {} interchange files ({:.1f} MB) into {}...", files.size(), bytes / 1e6, cfg.data_dir);
  interchange::Converter converter(model, cfg.namespace_);
  for (const auto& f : files) converter.collect_ids(f);
  JsonlFiles out(out_dir);
  for (const auto& f : files) {
    spdlog::debug("converting {}...", f.string());
    converter.convert(f, [&](const schema::Endpoint& ep, const nlohmann::json& doc) { out.write(ep.name, doc.dump()); });
  }
  out.commit();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const auto& s = converter.summary();
  std::size_t total = 0;
  for (const auto& [endpoint, n] : s.records) {
    spdlog::info("  {} records -> {}.jsonl", n, endpoint);
    total += n;
  }
  std::size_t unmapped = 0;
  for (const auto& [element, u] : s.unmapped) {
    spdlog::warn("  unmapped: {} x <{}> (first at {})", u.count, element, u.first_at);
    unmapped += u.count;
  }
  spdlog::info("converted {} records into {} files in {:.2f} s; {} elements unmapped, {} references unresolved, {} values not of their type",
               total, s.records.size(), seconds, unmapped, s.unresolved_refs, s.bad_values);
  if (total == 0) {
    spdlog::error("no records converted: no top-level element of the files is a resource or descriptor of the API");
    return exit_status::error;
  }
  return 0;
}

}  // namespace lightbeam::commands
