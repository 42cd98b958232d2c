#include "gen/generator.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "version.h"
#include "xml/network_xml.h"

namespace vxnet::gen {
namespace {

using test::Fixture;

TEST(GenerateNetwork, DefaultsReproduceTheManualSetup) {
  NetworkSpec s;
  s.peers = {*IpAddress::Parse("198.18.0.2")};
  LibvirtNetwork net = ParseNetworkXml(GenerateNetwork(s));
  EXPECT_EQ(net.name, "vxnet0");
  EXPECT_EQ(net.bridge, "ovs-sw0");
  EXPECT_EQ(net.forward_mode, "bridge");
  EXPECT_EQ(net.virtualport_type, "openvswitch");
  EXPECT_TRUE(net.uuid.empty());
}

TEST(GenerateNetwork, RefusesInvalidSpecWithFirstProblem) {
  NetworkSpec s;
  s.peers = {*IpAddress::Parse("198.18.0.2")};
  s.vni = 16777216;
  try {
    GenerateNetwork(s);
    FAIL() << "accepted VNI 16777216";
  } catch (const Error& e) {
    EXPECT_EQ(e.object(), "VNI");
    EXPECT_EQ(e.value(), "16777216");
  }
}

TEST(GenerateInterface, FillsTheTemplate) {
  const std::string xml = GenerateInterface("vxnet0", 1450, VXNET_TEMPLATES);
  EXPECT_NE(xml.find("<source network='vxnet0'/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<mtu size='1450'/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<model type='virtio'/>"), std::string::npos) << xml;
  EXPECT_THROW(GenerateInterface("vxnet0", 67, VXNET_TEMPLATES), Error);
  EXPECT_THROW(GenerateInterface("x'/><evil", 1450, VXNET_TEMPLATES), Error);
  EXPECT_THROW(GenerateInterface("vxnet0", 1450, "/nonexistent"), Error);
}

TEST(GenerateInterface, BuiltInTemplateIsTheSourceFile) {
  // An empty directory means the template compiled from libvirt-templates/.
  EXPECT_EQ(GenerateInterface("vxnet0", 1450, ""), GenerateInterface("vxnet0", 1450, VXNET_TEMPLATES));
}

TEST(RandomUuid, IsVersion4AndValid) {
  const std::string a = RandomUuid(), b = RandomUuid();
  EXPECT_FALSE(CheckUuid(a).has_value()) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
}

TEST(CheckNetwork, ExitStatusPerCase) {
  EXPECT_EQ(CheckNetwork(Fixture("networks/full.xml"), kLibvirtNetworkSchema, true).status, CheckResult::kValid);
  EXPECT_EQ(CheckNetwork(Fixture("libvirt-networkxml/nat-network.xml"), kLibvirtNetworkSchema, true).status,
            CheckResult::kNotManaged);
  CheckResult bad = CheckNetwork(Fixture("networks/long-bridge.xml"), kLibvirtNetworkSchema, true);
  EXPECT_EQ(bad.status, CheckResult::kInvalid);
  EXPECT_EQ(bad.line.find('\n'), std::string::npos);
  EXPECT_EQ(CheckNetwork("<network>", kLibvirtNetworkSchema, true).status, CheckResult::kInvalid);
}

}  // namespace
}  // namespace vxnet::gen
