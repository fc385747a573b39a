// `lightbeam export-state`: writes lightbeam's state back as the Python lightbeam's pickles,
// {state_dir}/{endpoint}.dat, one per endpoint the state knows (or per selected endpoint), so a
// team can return to the Python tool without sending everything again. Needs no API.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "core/data/selector.hpp"
#include "core/error.hpp"
#include "core/state/pickle_export.hpp"
#include "core/state/state_store.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {

int run_export_state(const RunContext& ctx) {
  const auto& cfg = ctx.config;
  if (cfg.state_dir.empty())
    throw Error("export-state needs the state_dir of the state to export: set `state_dir` in the config file");
  if (!std::filesystem::is_directory(cfg.state_dir))
    throw Error("state_dir " + cfg.state_dir + " does not exist: there is no state to export");
  // Our own import of .dat files would only read back what is about to be overwritten.
  state::StoreOptions options;
  options.import_pickles = false;
  state::StateStore store(cfg.state_dir, options);
  const std::vector<std::string> known = store.endpoints();
  if (known.empty()) {
    spdlog::warn("the state in {} holds no payloads: nothing to export", cfg.state_dir);
    return 0;
  }
  std::vector<std::string> unmatched;
  const std::vector<std::string> chosen = ctx.options.selector.empty() && ctx.options.exclude.empty()
                                              ? known
                                              : data::apply_selectors(known, ctx.options.selector, ctx.options.exclude, &unmatched);
  for (const auto& s : unmatched)
    spdlog::warn("-s/--selector \"{}\" matches no endpoint of the state, so it exports nothing", s);
  std::size_t total = 0;
  for (const auto& endpoint : chosen) {
    const auto rows = store.load(endpoint).rows();
    const std::filesystem::path file = std::filesystem::path(cfg.state_dir) / (endpoint + ".dat");
    state::write_state_pickle(file, rows);
    spdlog::info("wrote {} payload hashes for {} to {} (the Python lightbeam's state file)", rows.size(), endpoint,
                 file.string());
    total += rows.size();
  }
  spdlog::info("exported the state of {} endpoint(s), {} payload hashes: the Python lightbeam skips these payloads "
               "as sent", chosen.size(), total);
  return 0;
}

}  // namespace lightbeam::commands
