#include "xml/network_xml.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"
#include "xml/xml_doc.h"

namespace vxnet {
namespace {

using test::Fixture;

TEST(ParseNetworkXml, ReadsEveryVxnetField) {
  LibvirtNetwork net = ParseNetworkXml(Fixture("networks/full.xml"));
  ASSERT_TRUE(net.managed());
  const NetworkSpec& s = *net.spec;
  EXPECT_EQ(s.name, "overlay-a");
  EXPECT_EQ(s.uuid, "0f6c3a5e-1b7d-4c0e-9a63-5d2b8f1e4c70");
  EXPECT_EQ(s.bridge, "ovs-a");
  EXPECT_EQ(s.vni, 4242u);
  EXPECT_EQ(s.dst_port, 8472u);
  EXPECT_EQ(s.datapath, Datapath::kNetdev);
  EXPECT_EQ(s.mtu, 1400);
  EXPECT_EQ(s.local_ip->ToString(), "198.18.0.1");
  EXPECT_EQ(s.address->ToString(), "10.100.0.1/16");
  EXPECT_EQ(s.attach_bridge, "docker0");
  EXPECT_EQ(s.guest_mtu_policy, GuestMtuPolicy::kStrict);
  EXPECT_TRUE(s.bfd);
  ASSERT_EQ(s.peers.size(), 2u);
  EXPECT_EQ(s.peers[1].ToString(), "198.18.0.3");
  EXPECT_TRUE(ValidateNetwork(net).empty());
}

TEST(ParseNetworkXml, OmittedAttributesTakeDefaults) {
  LibvirtNetwork net = ParseNetworkXml(Fixture("networks/minimal.xml"));
  ASSERT_TRUE(net.managed());
  EXPECT_EQ(net.spec->vni, 0u);
  EXPECT_EQ(net.spec->dst_port, 4789u);
  EXPECT_EQ(net.spec->datapath, Datapath::kSystem);
  EXPECT_EQ(net.spec->mtu, std::nullopt);
  EXPECT_EQ(net.spec->uuid, std::nullopt);
  EXPECT_EQ(net.spec->guest_mtu_policy, GuestMtuPolicy::kWarn);
  EXPECT_EQ(net.spec->peers.at(0).ToString(), "2001:db8::2");
}

TEST(RoundTrip, FormatThenParseGivesTheSameSpec) {
  for (const char* file : {"networks/full.xml", "networks/minimal.xml"}) {
    NetworkSpec original = *ParseNetworkXml(Fixture(file)).spec;
    std::string xml = FormatNetworkXml(original);
    LibvirtNetwork again = ParseNetworkXml(xml);
    ASSERT_TRUE(again.managed()) << xml;
    EXPECT_EQ(*again.spec, original) << xml;
    EXPECT_EQ(again.forward_mode, "bridge");
    EXPECT_EQ(again.virtualport_type, "openvswitch");
    // Formatting is deterministic.
    EXPECT_EQ(FormatNetworkXml(*again.spec), xml);
  }
}

TEST(RoundTrip, NoUuidUnlessTheSpecHasOne) {
  NetworkSpec s;
  s.peers = {*IpAddress::Parse("198.18.0.2")};
  EXPECT_EQ(FormatNetworkXml(s).find("<uuid>"), std::string::npos);
  s.uuid = "0f6c3a5e-1b7d-4c0e-9a63-5d2b8f1e4c70";
  EXPECT_NE(FormatNetworkXml(s).find("<uuid>0f6c3a5e-1b7d-4c0e-9a63-5d2b8f1e4c70</uuid>"), std::string::npos);
}

TEST(RoundTrip, ExactDefaultOutput) {
  NetworkSpec s;
  s.peers = {*IpAddress::Parse("198.18.0.2")};
  EXPECT_EQ(FormatNetworkXml(s),
            "<network>\n"
            "  <name>vxnet0</name>\n"
            "  <metadata>\n"
            "    <vxnet:overlay xmlns:vxnet=\"https://vxnet.org/xmlns/network/1\" vni=\"0\" dst-port=\"4789\" "
            "datapath=\"system\" mtu=\"auto\" guest-mtu-policy=\"warn\">\n"
            "      <vxnet:peer address=\"198.18.0.2\"/>\n"
            "    </vxnet:overlay>\n"
            "  </metadata>\n"
            "  <forward mode=\"bridge\"/>\n"
            "  <bridge name=\"ovs-sw0\"/>\n"
            "  <virtualport type=\"openvswitch\"/>\n"
            "</network>\n");
}

// libvirt's own corpus: every network parses and none is vxnet's.
TEST(LibvirtCorpus, EveryNetworkIsParsedAndLeftAlone) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(VXNET_TEST_DATA) + "/libvirt-networkxml")) {
    if (entry.path().extension() != ".xml") continue;
    ++count;
    LibvirtNetwork net;
    ASSERT_NO_THROW(net = ParseNetworkXml(test::ReadFile(entry.path()))) << entry.path();
    EXPECT_FALSE(net.managed()) << entry.path();
    EXPECT_FALSE(net.name.empty()) << entry.path();
    EXPECT_NE(UnmanagedReason(net).find("not managed by vxnet"), std::string::npos);
  }
  EXPECT_EQ(count, 29);
}

TEST(LibvirtCorpus, ForwardModesAsLibvirtReadsThem) {
  EXPECT_EQ(ParseNetworkXml(Fixture("libvirt-networkxml/host-bridge-net.xml")).forward_mode, "bridge");
  EXPECT_EQ(ParseNetworkXml(Fixture("libvirt-networkxml/isolated-network.xml")).forward_mode, "none");
  EXPECT_EQ(ParseNetworkXml(Fixture("libvirt-networkxml/nat-network.xml")).forward_mode, "nat");
  LibvirtNetwork ovs = ParseNetworkXml(Fixture("libvirt-networkxml/openvswitch-net.xml"));
  EXPECT_EQ(ovs.virtualport_type, "openvswitch");
  EXPECT_NE(UnmanagedReason(ovs).find("Open vSwitch bridge network"), std::string::npos);
}

TEST(ValidateNetwork, StructureVxnetNeeds) {
  auto first = [](const std::string& xml) {
    auto errors = ValidateNetwork(ParseNetworkXml(xml));
    return errors.empty() ? std::string() : std::string(errors.front().what());
  };
  EXPECT_EQ(first(Fixture("networks/nat-with-metadata.xml")),
            "network 'vxnet-nat' forward mode 'nat': must be 'bridge' for a vxnet network; use <forward mode='bridge'/>");
  EXPECT_NE(first(Fixture("networks/bridge-mtu.xml")).find("libvirt refuses <mtu> in bridge mode"), std::string::npos);
  EXPECT_NE(first(Fixture("networks/long-bridge.xml")).find("is 16 characters"), std::string::npos);
}

// Unreadable metadata (a typo, or an attribute of a newer vxnet) still
// marks the network as vxnet's, so no caller mistakes it for someone
// else's; validation names the problem first, in one line.
TEST(ParseNetworkXml, UnreadableMetadataIsVxnetsAndNamedInOneLine) {
  auto error_of = [](const std::string& overlay_attrs, const std::string& body = "<v:peer address='198.18.0.2'/>") {
    std::string xml = "<network><name>n</name><metadata><v:overlay xmlns:v='https://vxnet.org/xmlns/network/1' " +
                      overlay_attrs + ">" + body + "</v:overlay></metadata><forward mode='bridge'/></network>";
    const LibvirtNetwork net = ParseNetworkXml(xml);
    EXPECT_TRUE(net.managed()) << overlay_attrs << body;
    EXPECT_FALSE(net.spec.has_value()) << overlay_attrs << body;
    const std::vector<Error> errors = ValidateNetwork(net);
    return errors.empty() ? std::string() : std::string(errors.front().what());
  };
  EXPECT_EQ(error_of("vni='12x'"), "vxnet vni '12x': is not a non-negative decimal number");
  EXPECT_EQ(error_of("vni='-1'"), "vxnet vni '-1': is not a non-negative decimal number");
  EXPECT_EQ(error_of("datapath='dpdk'"), "vxnet datapath 'dpdk': must be 'system' or 'netdev'");
  EXPECT_EQ(error_of("mtu='big'"), "vxnet mtu 'big': is not a non-negative decimal number");
  EXPECT_EQ(error_of("color='red'"), "vxnet metadata attribute 'color': is not known to this vxnet; remove it or upgrade vxnet");
  EXPECT_EQ(error_of("", "<v:peer address='300.1.1.1'/>"), "vxnet peer 1 '300.1.1.1': is not an IPv4 or IPv6 address");
  EXPECT_EQ(error_of("", "<v:peer/>"), "vxnet peer 1: has no address attribute");
  EXPECT_NE(error_of("", "<v:tunnel/>").find("is not known"), std::string::npos);
  EXPECT_NE(error_of("address='10.0.0.1'").find("CIDR"), std::string::npos);
}

// libvirt keeps a peer written "::ffff:198.18.0.2" as written: vxnet reads it
// as the IPv4 peer it is, so it is no second peer beside "198.18.0.2" and
// is of an IPv4 local-ip's family.
TEST(ParseNetworkXml, Ipv4MappedPeersAreTheirIpv4Address) {
  auto parse = [](const std::string& peers) {
    return ParseNetworkXml("<network><name>n</name><metadata><v:overlay xmlns:v='https://vxnet.org/xmlns/network/1' "
                           "local-ip='::ffff:198.18.0.1'>" +
                           peers +
                           "</v:overlay></metadata><forward mode='bridge'/><bridge name='ovs-sw0'/>"
                           "<virtualport type='openvswitch'/></network>");
  };
  const LibvirtNetwork one = parse("<v:peer address='::ffff:198.18.0.2'/><v:peer address='198.18.0.3'/>");
  ASSERT_TRUE(one.spec);
  EXPECT_EQ(one.spec->local_ip->ToString(), "198.18.0.1");
  EXPECT_EQ(one.spec->peers.at(0).ToString(), "198.18.0.2");
  EXPECT_TRUE(one.spec->peers.at(0).is_v4());
  EXPECT_TRUE(ValidateNetwork(one).empty());
  EXPECT_NE(FormatNetworkXml(*one.spec).find("address=\"198.18.0.2\""), std::string::npos) << FormatNetworkXml(*one.spec);

  const std::vector<Error> twice = ValidateNetwork(parse("<v:peer address='198.18.0.2'/><v:peer address='::ffff:198.18.0.2'/>"));
  ASSERT_FALSE(twice.empty());
  EXPECT_EQ(std::string(twice.front().what()), "peer 2 '198.18.0.2': is listed twice; peers must be unique; remove the duplicate");
}

TEST(ParseNetworkXml, PrefixDoesNotMatterNamespaceDoes) {
  std::string ours = "<network><name>n</name><metadata><anything:overlay xmlns:anything='https://vxnet.org/xmlns/network/1'>"
                     "<anything:peer address='198.18.0.2'/></anything:overlay></metadata></network>";
  EXPECT_TRUE(ParseNetworkXml(ours).managed());
  std::string theirs = "<network><name>n</name><metadata><vxnet:overlay xmlns:vxnet='https://example.org/vxnet/1' vni='100'/>"
                       "</metadata></network>";
  EXPECT_FALSE(ParseNetworkXml(theirs).managed());
}

TEST(ParseNetworkXml, HostileInputIsRefusedByName) {
  auto error_of = [](const std::string& xml) {
    try {
      ParseNetworkXml(xml);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(error_of(Fixture("networks/entities.xml")).find("DTDs and entity declarations are not accepted"),
            std::string::npos);
  EXPECT_NE(error_of(Fixture("networks/external-entity.xml")).find("DTDs"), std::string::npos);
  EXPECT_NE(error_of("").find("is empty"), std::string::npos);
  EXPECT_NE(error_of("<network><name>x</name>").find("line 1: not well-formed XML"), std::string::npos);
  EXPECT_NE(error_of(std::string("<network>\0</network>", 20)).find("not well-formed"), std::string::npos);
  EXPECT_NE(error_of("<domain/>").find("must be <network>"), std::string::npos);
  std::string huge = "<network><name>" + std::string(kMaxXmlBytes, 'a') + "</name></network>";
  EXPECT_NE(error_of(huge).find("larger than the limit of " + std::to_string(kMaxXmlBytes) + " bytes"), std::string::npos);
  // Undeclared entity references are not expanded, they are errors.
  EXPECT_NE(error_of("<network><name>&xxe;</name></network>").find("not well-formed"), std::string::npos);
}

}  // namespace
}  // namespace vxnet
