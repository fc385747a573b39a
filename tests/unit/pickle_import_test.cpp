// Our unpickler for the Python lightbeam's state files: every protocol Python writes them with,
// int and float times, and clear errors (never a crash) for anything else.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "core/state/pickle_import.hpp"
#include "support/process.hpp"

using namespace lightbeam::state;
using lightbeam::testing::TempDir;

namespace {

std::string python3() { return lightbeam::testing::find_on_path("python3"); }

std::string make_pickle(const std::string& expr, int protocol) {
  auto r = lightbeam::testing::run_process(
      {python3(), "-c",
       "import pickle,hashlib,sys,datetime\nh=lambda s: hashlib.md5(s.encode()).digest()\n"
       "sys.stdout.buffer.write(pickle.dumps(" + expr + ", protocol=" + std::to_string(protocol) + "))"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

const char* k_dict =
    "{h('{}'): (1700000000, 201), h('x'): (1700000000.25, 400), h('y'): (2**40, 409), h('z'): (-5, 201),"
    " **{h(str(i)): (1600000000 + i, 200) for i in range(300)}}";

}  // namespace

class PickleProtocols : public ::testing::TestWithParam<int> {};

TEST_P(PickleProtocols, ReadsTheStateDict) {
  auto rows = parse_state_pickle(make_pickle(k_dict, GetParam()), "t.dat");
  ASSERT_EQ(rows.size(), 304u);
  std::map<std::string, Entry> by_hex;
  for (auto& [d, e] : rows) by_hex[to_hex(d)] = e;
  auto e = by_hex.at(to_hex(payload_hash("{}")));
  EXPECT_DOUBLE_EQ(e.sent_at, 1700000000);
  EXPECT_EQ(e.status, 201);
  EXPECT_DOUBLE_EQ(by_hex.at(to_hex(payload_hash("x"))).sent_at, 1700000000.25);
  EXPECT_DOUBLE_EQ(by_hex.at(to_hex(payload_hash("y"))).sent_at, 1099511627776.0);
  EXPECT_DOUBLE_EQ(by_hex.at(to_hex(payload_hash("z"))).sent_at, -5);
  EXPECT_EQ(by_hex.at(to_hex(payload_hash("299"))).status, 200);
}

TEST_P(PickleProtocols, EmptyDict) { EXPECT_TRUE(parse_state_pickle(make_pickle("{}", GetParam()), "t").empty()); }

TEST_P(PickleProtocols, OtherObjectsAreClearErrors) {
  for (std::string expr : {"[1,2]", "{'a': (1, 2)}", "{h('a'): 5}", "{h('a'): (datetime.datetime(2020,1,1), 201)}",
                           "{h('a'): ('t', 201)}", "datetime.date(2020,1,1)"}) {
    try {
      parse_state_pickle(make_pickle(expr, GetParam()), "/x/state/students.dat");
      ADD_FAILURE() << "no error for " << expr;
    } catch (const lightbeam::Error& e) {
      EXPECT_NE(std::string(e.what()).find("/x/state/students.dat"), std::string::npos) << e.what();
    }
  }
}

TEST_P(PickleProtocols, EveryTruncationIsAnErrorNotACrash) {
  std::string full = make_pickle("{h('a'): (1.5, 201), h('b'): (2, 400)}", GetParam());
  for (std::size_t n = 0; n < full.size(); ++n)
    EXPECT_THROW(parse_state_pickle(std::string_view(full).substr(0, n), "t"), lightbeam::Error) << n;
  // Flipped bytes never crash (they may still parse).
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::string bad = full;
    bad[n] = static_cast<char>(bad[n] ^ 0x5a);
    try {
      parse_state_pickle(bad, "t");
    } catch (const lightbeam::Error&) {
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, PickleProtocols, ::testing::Values(2, 3, 4, 5));

TEST(Pickle, UnknownProtocolAndMissingFile) {
  EXPECT_THROW(parse_state_pickle(std::string("\x80\x01}.", 4), "t"), lightbeam::Error);
  EXPECT_THROW(parse_state_pickle("", "t"), lightbeam::Error);
  TempDir dir;
  EXPECT_THROW(read_state_pickle(dir / "missing.dat"), lightbeam::Error);
}
