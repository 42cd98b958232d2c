// Layers 1 and 2 of validation against the real libvirt schema and the real
// libvirt parser (test:///default, in-process).
#include "xml/validation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_util.h"
#include "version.h"

namespace vxnet {
namespace {

using test::Fixture;

bool SchemaInstalled() { return access(kLibvirtNetworkSchema, R_OK) == 0; }

TEST(SchemaLayer, AcceptsVxnetNetworks) {
  if (!SchemaInstalled()) GTEST_SKIP() << "libvirt's schema is not installed at " << kLibvirtNetworkSchema;
  for (const char* f : {"networks/full.xml", "networks/minimal.xml", "libvirt-networkxml/nat-network.xml"}) {
    LayerResult r = ValidateAgainstSchema(Fixture(f), kLibvirtNetworkSchema);
    EXPECT_TRUE(r.valid()) << f << ": " << r.message;
  }
}

TEST(SchemaLayer, RejectsWhatTheSchemaForbidsWithTheLine) {
  if (!SchemaInstalled()) GTEST_SKIP() << "libvirt's schema is not installed at " << kLibvirtNetworkSchema;
  LayerResult r = ValidateAgainstSchema("<network>\n<name>x</name>\n<forward mode='teleport'/>\n</network>",
                                        kLibvirtNetworkSchema);
  EXPECT_EQ(r.status, LayerResult::Status::kInvalid);
  EXPECT_NE(r.message.find("rejects line"), std::string::npos) << r.message;
}

TEST(SchemaLayer, MissingSchemaIsUnavailableNotInvalid) {
  LayerResult r = ValidateAgainstSchema(Fixture("networks/minimal.xml"), "/nonexistent/network.rng");
  EXPECT_EQ(r.status, LayerResult::Status::kUnavailable);
}

// The schema accepts <mtu> in bridge mode; libvirt's parser does not. This
// is why the second layer exists.
TEST(LibvirtLayer, CatchesWhatTheSchemaMisses) {
  if (!SchemaInstalled()) GTEST_SKIP() << "libvirt's schema is not installed";
  const std::string xml = Fixture("networks/bridge-mtu.xml");
  EXPECT_TRUE(ValidateAgainstSchema(xml, kLibvirtNetworkSchema).valid());
  LayerResult r = ValidateWithLibvirt(xml);
  EXPECT_EQ(r.status, LayerResult::Status::kInvalid);
  EXPECT_NE(r.message.find("mtu"), std::string::npos) << r.message;
}

TEST(LibvirtLayer, AcceptsVxnetNetworksAndKeepsMetadata) {
  for (const char* f : {"networks/full.xml", "networks/minimal.xml"}) {
    LayerResult r = ValidateWithLibvirt(Fixture(f));
    EXPECT_TRUE(r.valid()) << f << ": " << r.message;
  }
}

}  // namespace
}  // namespace vxnet
