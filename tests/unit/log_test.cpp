// Logging: level names are the Python tool's.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/report/log.hpp"

TEST(Log, AcceptsPythonLevelNames) {
  for (auto l : {"DEBUG", "info", "WARNING", "warn", "ERROR"}) EXPECT_TRUE(lightbeam::log::is_valid_level(l)) << l;
  EXPECT_FALSE(lightbeam::log::is_valid_level("LOUD"));
  EXPECT_THROW(lightbeam::log::init("LOUD"), lightbeam::Error);
}
