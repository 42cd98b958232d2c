// "Is this vxnet's?" for documents too large to parse whole: libvirt's
// files and the hook's stdin, read as a stream.
#include "xml/file_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace vxnet {
namespace {

const Deadline kAmple = Deadline::After(std::chrono::seconds(30));

const std::string kVxnet = "<network><name>vxnet0</name><metadata><vx:overlay xmlns:vx='https://vxnet.org/xmlns/network/1' "
                           "vni='100'/></metadata><forward mode='bridge'/></network>";
const std::string kForeign = "<network><name>other</name><metadata><app:x xmlns:app='https://example.org/app'>"
                             "https://vxnet.org/xmlns/network/1</app:x></metadata><forward mode='nat'/></network>";

TEST(NetworkScan, TellsVxnetsMetadataInEveryFormLibvirtWrites) {
  EXPECT_EQ(NetworkTextIsVxnets(kVxnet, kAmple), true);
  EXPECT_EQ(NetworkTextIsVxnets("<networkstatus><class_id bitmap='0-2'/>" + kVxnet + "</networkstatus>", kAmple), true);
  EXPECT_EQ(NetworkTextIsVxnets("<hookData>" + kVxnet + "</hookData>", kAmple), true);
  EXPECT_EQ(NetworkTextIsVxnets(test::Fixture("hookdata/start.xml"), kAmple), true);  // as captured from libvirt
  // The URI as text, or a vxnet element outside <metadata>, is not vxnet's.
  EXPECT_EQ(NetworkTextIsVxnets(kForeign, kAmple), false);
  EXPECT_EQ(NetworkTextIsVxnets("<network><name>n</name><vx:overlay xmlns:vx='https://vxnet.org/xmlns/network/1'/></network>",
                                kAmple),
            false);
  EXPECT_EQ(NetworkTextIsVxnets("<network><name>n</name></network>", kAmple), false);
}

TEST(NetworkScan, AnswersFromTheStartOfACutOffDocumentOrNotAtAll) {
  const std::string full = "<hookData>" + kVxnet + "<networkport>";  // cut after the network
  EXPECT_EQ(NetworkTextIsVxnets(full, kAmple), true);
  EXPECT_EQ(NetworkTextIsVxnets(kVxnet.substr(0, kVxnet.find("</metadata>")), kAmple), true);
  EXPECT_EQ(NetworkTextIsVxnets(kVxnet.substr(0, kVxnet.find("<metadata>")), kAmple), std::nullopt);
  EXPECT_EQ(NetworkTextIsVxnets("", kAmple), std::nullopt);
  EXPECT_EQ(NetworkTextIsVxnets("\x01\x02 binary", kAmple), std::nullopt);
  EXPECT_EQ(NetworkTextIsVxnets("<domain><name>vm0</name></domain>", kAmple), std::nullopt);
  // A DOCTYPE ends the read before any entity is declared.
  EXPECT_EQ(NetworkTextIsVxnets("<!DOCTYPE network [<!ENTITY a 'b'>]>" + kVxnet, kAmple), std::nullopt);
  EXPECT_EQ(NetworkTextIsVxnets(kVxnet, Deadline::After(std::chrono::milliseconds(0))), std::nullopt);
}

class ScanFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vxnet-scan-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string dir_;
};

TEST_F(ScanFiles, ReadsFilesOfAnySizeAndNeverBlocksOnAFifo) {
  // Metadata after 20 MiB of portgroups: more than any parse limit.
  std::string big = "<network><name>big</name>\n";
  while (big.size() < (20u << 20)) big += "  <portgroup name='pg'>\n  </portgroup>\n";
  const std::string tail = "<metadata><vx:overlay xmlns:vx='https://vxnet.org/xmlns/network/1'/></metadata></network>\n";
  EXPECT_EQ(NetworkFileIsVxnets(Write("big.xml", big + tail), kAmple), true);
  EXPECT_EQ(NetworkFileIsVxnets(Write("big-foreign.xml", big + "</network>\n"), kAmple), false);
  EXPECT_EQ(NetworkFileIsVxnets(dir_ + "/missing.xml", kAmple), std::nullopt);
  ASSERT_EQ(mkfifo((dir_ + "/fifo.xml").c_str(), 0600), 0);
  EXPECT_EQ(NetworkFileIsVxnets(dir_ + "/fifo.xml", kAmple), std::nullopt);
  EXPECT_EQ(NetworkFileIsVxnets(dir_, kAmple), std::nullopt);  // a directory
}

TEST_F(ScanFiles, ListsTheNetworksOfADomainsInterfaces) {
  const std::string domain = test::Fixture("domains/vm-mtu9000.xml");
  DomainNetworks d = DomainFileNetworks(Write("vm0.xml", domain), kAmple);
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.networks, (std::vector<std::string>{"vxnet0", "default"}));
  d = DomainTextNetworks("<domstatus state='running'><taint flag='custom-argv'/>" + domain + "</domstatus>", kAmple);
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.networks, (std::vector<std::string>{"vxnet0", "default"}));
  // Cut off after the first interface: that one is known, the list is not whole.
  d = DomainTextNetworks(domain.substr(0, domain.find("<interface type='network'>", domain.find("</interface>"))), kAmple);
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.networks, std::vector<std::string>{"vxnet0"});
  // Bridge and direct interfaces have no network; a <source network> out
  // of place is no interface's.
  d = DomainTextNetworks("<domain><devices><interface type='bridge'><source bridge='br0'/></interface>"
                         "<disk><source network='x'/></disk></devices><source network='y'/></domain>",
                         kAmple);
  EXPECT_TRUE(d.complete);
  EXPECT_TRUE(d.networks.empty());
  EXPECT_FALSE(DomainTextNetworks(kVxnet, kAmple).complete);  // not a domain
  EXPECT_FALSE(DomainFileNetworks(dir_ + "/missing.xml", kAmple).complete);
}

}  // namespace
}  // namespace vxnet
