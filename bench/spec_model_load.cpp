// Benchmark: time to load a spec folder into schema::SpecModel (the sandbox's start-up cost) and compute dependencies.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "core/error.hpp"
#include "core/schema/dependencies.hpp"
#include "core/schema/spec_model.hpp"

using clk = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : std::string(LIGHTBEAM_SOURCE_DIR) + "/../shared/edfi/ds-5.2";
  int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  try {
    for (int i = 0; i < runs; ++i) {
      auto w0 = clk::now();
      std::clock_t c0 = std::clock();
      auto model = lightbeam::schema::SpecModel::load_dir(dir);
      auto w1 = clk::now();
      auto deps = lightbeam::schema::compute_dependencies(model);
      auto w2 = clk::now();
      std::clock_t c2 = std::clock();
      std::printf("run %d: load_dir %.1f ms wall, dependencies %.1f ms wall, cpu (all threads) %.1f ms; %zu endpoints, %zu dependency entries\n",
                  i + 1, std::chrono::duration<double, std::milli>(w1 - w0).count(),
                  std::chrono::duration<double, std::milli>(w2 - w1).count(), 1000.0 * double(c2 - c0) / CLOCKS_PER_SEC,
                  model.endpoints().size(), deps.size());
    }
  } catch (const lightbeam::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
