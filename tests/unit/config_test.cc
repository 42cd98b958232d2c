#include "engine/config.h"

#include <gtest/gtest.h>

namespace vxnet::engine {
namespace {

TEST(Config, MissingFileMeansDefaults) {
  Config c = LoadConfig("/nonexistent/vxnet.conf");
  EXPECT_EQ(c.ovsdb, "unix:/run/openvswitch/db.sock");
  EXPECT_EQ(c.timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.log_file, "/var/log/vxnet/vxnet.log");
}

TEST(Config, ReadsEveryKeyWithCommentsAndBlanks) {
  Config c = ParseConfig(
      "# vxnet\n\n ovsdb = tcp:127.0.0.1:6640  # remote\ntimeout=3\nlog_level = debug\n"
      "log_file = /tmp/v.log\nguest_mtu_policy = strict\n",
      "f");
  EXPECT_EQ(c.ovsdb, "tcp:127.0.0.1:6640");
  EXPECT_EQ(c.timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_file, "/tmp/v.log");
  EXPECT_EQ(c.guest_mtu_policy, GuestMtuPolicy::kStrict);
}

TEST(Config, OvnDatabasesAndTheSystemIdFile) {
  Config c = ParseConfig("ovn_nb = tcp:198.18.0.100:6641\novn_sb = tcp:198.18.0.100:6642\nsystem_id_file = /var/lib/x/id\n", "f");
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(c.ovn_nb, "tcp:198.18.0.100:6641");
  EXPECT_EQ(c.ovn_sb, "tcp:198.18.0.100:6642");
  EXPECT_EQ(c.system_id_file, "/var/lib/x/id");
  c = ParseConfig("ovn_sb = 198.18.0.100:6642\n", "/etc/vxnet/vxnet.conf");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(std::string(c.problems[0].what()).find("config file /etc/vxnet/vxnet.conf line 1 key 'ovn_sb' '198.18.0.100:6642': OVN database must be"), 0u)
      << c.problems[0].what();
  EXPECT_TRUE(c.ovn_sb.empty());
}

// A bad line never makes reading fail: it keeps its default and becomes a
// problem naming file, line and key, which only vxnet's own admissions
// act on (RequireClean).
TEST(Config, BadLinesAreNamedAndKeepTheirDefaults) {
  auto problem = [](const std::string& text) {
    Config c = ParseConfig(text, "/etc/vxnet/vxnet.conf");
    return c.problems.empty() ? std::string() : std::string(c.problems.front().what());
  };
  EXPECT_EQ(problem("ovsdb = unix:/x\nnonsense\n"),
            "config file /etc/vxnet/vxnet.conf line 2 'nonsense': is not 'key = value'; fix or remove the line (see "
            "vxnet.conf(5))");
  EXPECT_EQ(problem("timeout = 0"),
            "config file /etc/vxnet/vxnet.conf line 1 key 'timeout' '0': timeout must be 1 to 600 seconds; fix it (see "
            "vxnet.conf(5)); until then vxnet admits none of its networks or guests");
  EXPECT_NE(problem("ovsdb = http://x").find("must be unix:PATH or tcp:IP:PORT"), std::string::npos);
  EXPECT_NE(problem("log_file = relative.log").find("absolute path"), std::string::npos);
  EXPECT_NE(problem("log_level = loud").find("log_level must be"), std::string::npos);

  Config c = ParseConfig("this is not valid\ntimeout = 0\novsdb = unix:/x\nguest_mtu_policy = strict\n", "f");
  EXPECT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.timeout, std::chrono::seconds(10));  // the bad value kept the default
  EXPECT_EQ(c.ovsdb, "unix:/x");                   // the good lines still count
  EXPECT_EQ(c.guest_mtu_policy, GuestMtuPolicy::kStrict);
  EXPECT_THROW(c.RequireClean(), Error);
  EXPECT_NO_THROW(ParseConfig("timeout = 3\n", "f").RequireClean());
}

// A key this vxnet does not know: a misspelling of a known one is a problem
// (it would silently change nothing), anything else a notice (a newer
// vxnet's setting), so a downgrade does not stop the overlay.
TEST(Config, UnknownKeysMisspeltOrNewer) {
  Config typo = ParseConfig("guest_mtu_polcy = strict\n", "f");
  ASSERT_EQ(typo.problems.size(), 1u);
  EXPECT_EQ(std::string(typo.problems[0].what()),
            "config file f line 1 'guest_mtu_polcy': is not a known key; did you mean 'guest_mtu_policy'?");
  EXPECT_EQ(ParseConfig("log-level = debug\n", "f").problems.size(), 1u);
  Config newer = ParseConfig("ovn_nb_remote = tcp:10.0.0.1:6641\n", "f");
  EXPECT_TRUE(newer.problems.empty());
  ASSERT_EQ(newer.notices.size(), 1u);
  EXPECT_NE(newer.notices[0].find("'ovn_nb_remote': not a key this vxnet knows"), std::string::npos) << newer.notices[0];
}

// Only a near-certain misspelling refuses: one edit from a known key, or
// equal to one once case and '-'/'_' are ignored. A key two edits away is as
// likely a newer vxnet's (`ovn_ic` beside `ovn_nb`), and refusing it would
// stop every vxnet start after a downgrade.
TEST(Config, OnlyANearCertainMisspellingRefuses) {
  auto refuses = [](const std::string& key) { return !ParseConfig(key + " = x\n", "f").problems.empty(); };
  for (const char* typo : {"ovsd", "timeut", "tiemout", "log_levels", "Timeout", "LOG_LEVEL", "log-level", "Log-File",
                           "state-dir", "ovn-nb", "system_id-file", "Guest-Mtu-Polcy"})
    EXPECT_TRUE(refuses(typo)) << typo;
  for (const char* newer : {"ovn_ic", "ovn_ic_nb", "log_format", "timeouts_ms", "state", "ovsdb_ssl", "mtu"})
    EXPECT_FALSE(refuses(newer)) << newer;

  Config c = ParseConfig("ovn_ic = tcp:198.18.0.100:6645\ntimeout = 3\n", "/etc/vxnet/vxnet.conf");
  EXPECT_NO_THROW(c.RequireClean());
  EXPECT_EQ(c.timeout, std::chrono::seconds(3));
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_EQ(c.notices[0].find("config file /etc/vxnet/vxnet.conf line 1 'ovn_ic': not a key this vxnet knows"), 0u)
      << c.notices[0];
}

TEST(Config, UnreadableFilesGiveDefaultsAndAProblem) {
  Config dir = LoadConfig("/");
  EXPECT_EQ(dir.ovsdb, "unix:/run/openvswitch/db.sock");
  ASSERT_EQ(dir.problems.size(), 1u);
  EXPECT_EQ(std::string(dir.problems[0].what()), "config file '/': is not a regular file; make it a plain file (see vxnet.conf(5))");
  EXPECT_TRUE(LoadConfig("/nonexistent/vxnet.conf").problems.empty());
}

}  // namespace
}  // namespace vxnet::engine
