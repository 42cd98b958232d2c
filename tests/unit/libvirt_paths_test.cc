// libvirt's files for a network or domain, from the config's directories.
#include "engine/libvirt_paths.h"

#include <gtest/gtest.h>

namespace vxnet::engine {
namespace {

TEST(LibvirtPaths, FollowTheConfiguredDirectories) {
  Config defaults;
  EXPECT_EQ(DefinedNetworkFile(defaults, "vxnet0"), "/etc/libvirt/qemu/networks/vxnet0.xml");
  EXPECT_EQ(ActiveNetworkFile(defaults, "vxnet0"), "/run/libvirt/network/vxnet0.xml");
  EXPECT_EQ(DefinedDomainFile(defaults, "vm0"), "/etc/libvirt/qemu/vm0.xml");
  EXPECT_EQ(RunningDomainFile(defaults, "vm0"), "/run/libvirt/qemu/vm0.xml");
  Config moved;
  moved.libvirt_config_dir = "/srv/etc";
  moved.libvirt_state_dir = "/srv/run";
  EXPECT_EQ(DefinedNetworkFile(moved, "vxnet0"), "/srv/etc/qemu/networks/vxnet0.xml");
  EXPECT_EQ(ActiveNetworkFile(moved, "vxnet0"), "/srv/run/network/vxnet0.xml");
  EXPECT_EQ(DefinedDomainFile(moved, "vm0"), "/srv/etc/qemu/vm0.xml");
  EXPECT_EQ(RunningDomainFile(moved, "vm0"), "/srv/run/qemu/vm0.xml");
}

TEST(LibvirtPaths, RefuseNamesThatCouldNameAnotherFile) {
  Config c;
  for (const std::string& bad : {std::string(), std::string("../../shadow"), std::string("a/b"), std::string("/"),
                                 std::string("vm\0x", 4)}) {
    EXPECT_EQ(DefinedNetworkFile(c, bad), std::nullopt) << bad;
    EXPECT_EQ(ActiveNetworkFile(c, bad), std::nullopt) << bad;
    EXPECT_EQ(DefinedDomainFile(c, bad), std::nullopt) << bad;
    EXPECT_EQ(RunningDomainFile(c, bad), std::nullopt) << bad;
  }
  // Dots alone cannot leave the directory: ".xml" is always appended.
  EXPECT_EQ(DefinedDomainFile(c, ".."), "/etc/libvirt/qemu/...xml");
}

}  // namespace
}  // namespace vxnet::engine
