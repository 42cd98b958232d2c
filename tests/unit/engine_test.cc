// The engine's records and choices on plain data and a temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "engine/network_engine.h"
#include "fake_host.h"

namespace vxnet::engine {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vxnet-engine-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

NetworkSpec Spec(std::vector<std::string> peers) {
  NetworkSpec s;
  s.vni = 100;
  for (const auto& p : peers) s.peers.push_back(*IpAddress::Parse(p));
  return s;
}

TEST(RunRecord, WrittenReadAndRemoved) {
  TempDir dir;
  RunRecord r{"vxnet0", "ovs-sw0", 1450, Cidr::Parse("10.100.0.1/16"), "vxa0", "abc", std::nullopt};
  WriteRunRecord(dir.path(), r);
  EXPECT_EQ(ReadRunRecord(dir.path(), "vxnet0"), r);
  EXPECT_EQ(ReadRunRecord(dir.path(), "other"), std::nullopt);
  EXPECT_EQ(ReadRunRecord(dir.path(), "../etc"), std::nullopt);
  RemoveRunRecord(dir.path(), "vxnet0");
  EXPECT_EQ(ReadRunRecord(dir.path(), "vxnet0"), std::nullopt);
  RemoveRunRecord(dir.path(), "vxnet0");  // idempotent
  EXPECT_THROW(WriteRunRecord("/proc/no-such-dir", r), Error);
}

TEST(GuestRecord, FindsInterfacesByMacWhateverTheCase) {
  TempDir dir;
  GuestRecord g{"vm1", "eae982a5-b9ea-41b9-8d36-c0cc92dc7677", {{"52:54:00:AA:bb:01", "vxnet0", 1450}}};
  WriteGuestRecord(dir.path(), g);
  const auto read = ReadGuestRecord(dir.path(), g.uuid);
  ASSERT_TRUE(read);
  ASSERT_NE(read->Find("52:54:00:aa:BB:01"), nullptr);
  EXPECT_EQ(read->Find("52:54:00:aa:bb:01")->declared_mtu, 1450);
  EXPECT_EQ(read->Find("52:54:00:aa:bb:02"), nullptr);
  RemoveGuestRecord(dir.path(), g.uuid);
  EXPECT_FALSE(ReadGuestRecord(dir.path(), g.uuid));
}

// After 'vxnetctl apply' the live definition (libvirt < 9.7) still holds the
// old peers; the record says the persistent one was applied.
TEST(AppliedSpec, TheRecordSaysWhichDefinitionWasApplied) {
  const NetworkSpec live = Spec({"198.18.0.2"});
  const NetworkSpec persistent = Spec({"198.18.0.2", "198.18.0.3"});
  RunRecord record{"vxnet0", "ovs-sw0", 1450, std::nullopt, std::nullopt, SpecDigest(persistent), std::nullopt};
  EXPECT_EQ(AppliedSpec(live, &persistent, record), persistent);
  record.spec_digest = SpecDigest(live);
  EXPECT_EQ(AppliedSpec(live, &persistent, record), live);
  record.spec_digest = "something else";
  EXPECT_EQ(AppliedSpec(live, &persistent, record), live);
  EXPECT_EQ(AppliedSpec(live, &persistent, std::nullopt), live);
  EXPECT_EQ(AppliedSpec(live, nullptr, record), live);
  NetworkSpec renamed = live;
  renamed.uuid = "eae982a5-b9ea-41b9-8d36-c0cc92dc7677";  // the UUID is no setting
  EXPECT_EQ(SpecDigest(renamed), SpecDigest(live));
}

// One deadline for the run: the operation ends a reserve before it, which
// is kept for undoing a failed start.
TEST(Context, TheOperationLeavesAReserveForUndo) {
  Config config;
  test::FakeHost host;
  const Deadline run = Deadline::After(std::chrono::milliseconds(10000));
  const Context ctx = Context::ForRun(config, host, run);
  EXPECT_LE(ctx.deadline.remaining(), std::chrono::milliseconds(8000));
  EXPECT_GT(ctx.deadline.remaining(), std::chrono::milliseconds(7900));
  EXPECT_GT(ctx.undo_deadline.remaining(), std::chrono::milliseconds(9900));
  const Context small = Context::ForRun(config, host, Deadline::After(std::chrono::milliseconds(1000)));
  EXPECT_LE(small.deadline.remaining(), std::chrono::milliseconds(750));
}

}  // namespace
}  // namespace vxnet::engine
