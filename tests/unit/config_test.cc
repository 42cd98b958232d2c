#include "hook/config.h"

#include <gtest/gtest.h>

namespace vxnet::hook {
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

TEST(Config, BadLinesAreNamed) {
  auto error = [](const std::string& text) {
    try {
      ParseConfig(text, "/etc/vxnet/vxnet.conf");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("ovsdb = unix:/x\nnonsense\n"), "config file /etc/vxnet/vxnet.conf line 2 'nonsense': is not 'key = value'");
  EXPECT_EQ(error("colour = red"),
            "config file /etc/vxnet/vxnet.conf line 1 'colour': is not a known key (ovsdb, timeout, log_level, log_file, "
            "guest_mtu_policy, libvirt_state_dir, libvirt_config_dir)");
  EXPECT_NE(error("ovsdb = http://x").find("must be unix:PATH or tcp:IP:PORT"), std::string::npos);
  EXPECT_NE(error("timeout = 0").find("1 to 600 seconds"), std::string::npos);
  EXPECT_NE(error("log_file = relative.log").find("absolute path"), std::string::npos);
  EXPECT_NE(error("log_level = loud").find("log_level must be"), std::string::npos);
}

}  // namespace
}  // namespace vxnet::hook
