#include "hook/hook.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace vxnet::hook {
namespace {

using test::Fixture;

std::vector<std::string> Args(const std::string& op, const std::string& sub = "begin") {
  return {"vxnet0", op, sub, "-"};
}

// An OVSDB that is certainly absent: a hook that tries to reach it says so.
Config NoOvsdb() {
  Config c;
  c.ovsdb = "unix:/nonexistent/vxnet-test/db.sock";
  c.timeout = std::chrono::milliseconds(500);
  return c;
}

Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text) {
  return vxnet::hook::RunNetworkHook(args, stdin_text, NoOvsdb());
}

TEST(NetworkHook, UnmanagedNetworksPassUntouched) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(VXNET_TEST_DATA) + "/libvirt-networkxml")) {
    const std::string stdin_text = "<hookData>" + test::ReadFile(entry.path()) + "</hookData>";
    for (const char* op : {"start", "started", "stopped", "port-created", "port-deleted", "updated"}) {
      Outcome o = RunNetworkHook(Args(op), stdin_text);
      EXPECT_EQ(o.exit_status, 0) << entry.path() << " " << op << ": " << o.message;
      EXPECT_EQ(o.message, "");
    }
  }
}

TEST(NetworkHook, ValidManagedNetworksPassWhereNoOvsWorkIsDue) {
  for (const char* op : {"started", "port-created", "port-deleted"}) {
    Outcome o = RunNetworkHook(Args(op), Fixture(std::string("hookdata/") + op + ".xml"));
    EXPECT_EQ(o.exit_status, 0) << op << ": " << o.message;
  }
}

TEST(NetworkHook, StartWithoutOvsdbIsRefusedNamingTheEndpoint) {
  Outcome o = RunNetworkHook(Args("start"), Fixture("hookdata/start.xml"));
  EXPECT_EQ(o.exit_status, 1);
  EXPECT_EQ(o.message,
            "vxnet: OVSDB endpoint 'unix:/nonexistent/vxnet-test/db.sock': cannot connect: No such file or directory; "
            "is ovsdb-server running? The endpoint is set by 'ovsdb' in /etc/vxnet/vxnet.conf");
  // stopped cannot abort anything: it reports and exits 0.
  Outcome stopped = RunNetworkHook(Args("stopped", "end"), Fixture("hookdata/stopped.xml"));
  EXPECT_EQ(stopped.exit_status, 0);
  EXPECT_NE(stopped.message.find("cannot connect"), std::string::npos);
}

TEST(NetworkHook, InvalidNetworkAbortsOnlyWhereLibvirtListens) {
  const std::string bad = "<hookData>" + Fixture("networks/long-bridge.xml") + "</hookData>";
  Outcome start = RunNetworkHook(Args("start"), bad);
  EXPECT_EQ(start.exit_status, 1);
  EXPECT_EQ(start.message.rfind("vxnet: bridge name 'ovs-sw0-too-long'", 0), 0u) << start.message;
  EXPECT_EQ(RunNetworkHook(Args("stopped", "end"), bad).exit_status, 0);
}

TEST(NetworkHook, GarbageOnStdinIsAOneLineRefusal) {
  Outcome o = RunNetworkHook(Args("start"), std::string("\x01\x02\xff garbage", 11));
  EXPECT_EQ(o.exit_status, 1);
  EXPECT_EQ(o.message.find('\n'), std::string::npos);
  EXPECT_EQ(RunNetworkHook(Args("some-future-op"), "junk").exit_status, 0);
  EXPECT_EQ(RunNetworkHook({"vxnet0"}, "").exit_status, 2);
}

}  // namespace
}  // namespace vxnet::hook
