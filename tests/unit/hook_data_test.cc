#include "xml/hook_data.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace vxnet {
namespace {

using test::Fixture;

TEST(HookData, EveryCapturedOperationParses) {
  for (const char* op : {"start", "started", "stopped", "port-created", "port-deleted"}) {
    HookData data = ParseHookData(Fixture(std::string("hookdata/") + op + ".xml"));
    ASSERT_TRUE(data.network.managed()) << op;
    EXPECT_EQ(data.network.name, "vxnet0");
    EXPECT_EQ(data.network.spec->vni, 100u);
    EXPECT_EQ(data.network.spec->datapath, Datapath::kNetdev);
    EXPECT_EQ(data.network.spec->uuid, "1adc16c0-55b5-4979-a19e-baffae8afee5");
    EXPECT_EQ(data.network.spec->peers.size(), 2u);
    EXPECT_TRUE(ValidateNetwork(data.network).empty()) << op;
    EXPECT_EQ(data.port.has_value(), std::string(op).starts_with("port-")) << op;
  }
}

TEST(HookData, NetworkPortAsLibvirtSendsIt) {
  HookData data = ParseHookData(Fixture("hookdata/port-created.xml"));
  ASSERT_TRUE(data.port);
  EXPECT_EQ(*data.port, (NetworkPort{"03ea3a12-3009-4d5d-8579-f5014123351f", "vm0",
                                     "eae982a5-b9ea-41b9-8d36-c0cc92dc7677", "52:54:00:e8:6a:6e",
                                     "7d16b9e8-209e-4269-8fb5-7b0438f03743", "ovs-sw0"}));
}

TEST(HookData, RefusesOtherDocuments) {
  EXPECT_THROW(ParseHookData("<network><name>x</name></network>"), Error);
  EXPECT_THROW(ParseHookData("<hookData/>"), Error);
  EXPECT_THROW(ParseHookData("<hookData><network>"), Error);
}

}  // namespace
}  // namespace vxnet
