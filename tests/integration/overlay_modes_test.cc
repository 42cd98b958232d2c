// The refusals both overlays share, written once in the engine's generic
// layer, run against both implementations as libvirt runs the hook: a
// private OVS (ovsdb-server and ovs-vswitchd, userspace datapath, in a
// network namespace with an underlay veth) and, for OVN mode, private
// Northbound and Southbound ovsdb-servers. Each refusal must be one line
// naming the object and the value, and leave OVS, the OVN databases and the
// kernel exactly as they were.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "ovs_sandbox.h"
#include "xml/network_xml.h"

namespace vxnet::test {
namespace {

const char* kPort =
    "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
    "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
    "<virtualport type='openvswitch'><parameters interfaceid='7d16b9e8-209e-4269-8fb5-7b0438f03743'/></virtualport>"
    "<plug type='bridge' bridge='BRIDGE'/></networkport>";

class OverlayModesTest : public ::testing::TestWithParam<NetworkMode> {
 public:  // the refusal table arranges through these
  void SetUp() override {
    if (GetParam() == NetworkMode::kOvn)
      for (const char* f : {"/usr/share/ovn/ovn-nb.ovsschema", "/usr/share/ovn/ovn-sb.ovsschema", "/usr/bin/ovn-sbctl"})
        if (access(f, R_OK) != 0) GTEST_SKIP() << f << " is missing: install ovn-central and ovn-host (scripts/install-deps.sh)";
    std::string reason;
    sandbox_ = OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
    dir_ = sandbox_->dir();
    Ip({"link", "add", "u0", "type", "veth", "peer", "name", "u1"});
    Ip({"addr", "add", "198.18.0.1/24", "dev", "u0"});
    Ip({"link", "set", "u0", "up"});
    Ip({"link", "set", "u1", "up"});
    if (GetParam() == NetworkMode::kOvn) {
      // The integration bridge as ovn-controller makes it, and the
      // central's databases. Another chassis at 198.18.0.2 gives OVN mode
      // an underlay path to derive its MTU from.
      sandbox_->Vsctl({"add-br", "br-int", "--", "set", "Bridge", "br-int", "datapath_type=netdev", "fail_mode=secure"});
      const std::string failed = sandbox_->StartOvnDatabases();
      ASSERT_EQ(failed, "");
      std::string out;
      ASSERT_EQ(test::Run({"ovn-sbctl", "--db=unix:" + dir_ + "/sb.sock", "--timeout=5", "chassis-add", "other", "geneve", "198.18.0.2"},
                    &out),
                0)
          << out;
    }
    sandbox_->WriteVxnetConf();
  }


  NetworkSpec Spec() const {
    NetworkSpec s;
    s.datapath = Datapath::kNetdev;
    if (GetParam() == NetworkMode::kOvn) {
      s.mode = NetworkMode::kOvn;
      s.bridge = kOvnDefaultBridge;
      s.ovn.nb = "unix:" + dir_ + "/nb.sock";
      s.ovn.sb = "unix:" + dir_ + "/sb.sock";
      s.local_ip = IpAddress::Parse("198.18.0.1");
    } else {
      s.vni = 100;
      s.peers = {*IpAddress::Parse("198.18.0.2")};
    }
    return s;
  }

  void Ip(std::vector<std::string> args) {
    args.insert(args.begin(), {"ip", "-n", sandbox_->netns()});
    std::string out;
    ASSERT_EQ(test::Run(args, &out), 0) << out;
  }

  int Hook(const std::string& op, const NetworkSpec& spec, bool with_port, std::string* err) {
    const std::string path = dir_ + "/in-" + std::to_string(++files_) + ".xml";
    std::string port = kPort;
    port.replace(port.find("BRIDGE"), 6, spec.bridge);
    std::ofstream(path) << "<hookData>" << FormatNetworkXml(spec) << (with_port ? port : "") << "</hookData>";
    setenv("VXNET_CONFIG", (dir_ + "/vxnet.conf").c_str(), 1);
    unsetenv("VXNET_OVSDB");
    err->clear();
    return test::Run({"ip", "netns", "exec", sandbox_->netns(), VXNET_HOOK, spec.name, op, op == "stopped" ? "end" : "begin", "-"},
               nullptr, path, err);
  }

  // start and started as libvirt calls them for net-start. In OVN mode the
  // chassis registers as ovn-controller would.
  void StartFully(const NetworkSpec& spec) {
    std::string err;
    ASSERT_EQ(Hook("start", spec, false, &err), 0) << err;
    if (GetParam() == NetworkMode::kOvn) {
      const std::string id = sandbox_->Vsctl({"get", "Open_vSwitch", ".", "external_ids:system-id"});
      std::string out;
      ASSERT_EQ(test::Run({"ovn-sbctl", "--db=unix:" + dir_ + "/sb.sock", "--timeout=5", "chassis-add", id.substr(1, id.size() - 2),
                     "geneve", "198.18.0.1"},
                    &out),
                0)
          << out;
    }
    ASSERT_EQ(Hook("started", spec, false, &err), 0) << err;
    MarkActive(spec);
  }

  void MarkActive(const NetworkSpec& spec) {
    std::filesystem::create_directories(dir_ + "/run/network");
    std::ofstream(dir_ + "/run/network/" + spec.name + ".xml") << "<networkstatus>" << FormatNetworkXml(spec) << "</networkstatus>";
  }

  // What an operator would compare before and after: every OVSDB table
  // vxnet writes, the OVN databases, the kernel's links and addresses.
  std::string World() {
    std::string all;
    // Columns ovs-vswitchd updates by itself are left out.
    for (const auto& [table, columns] : std::vector<std::pair<std::string, std::string>>{
             {"Open_vSwitch", "external_ids,bridges"},
             {"Bridge", "name,external_ids,ports,datapath_type,fail_mode"},
             {"Port", "name,external_ids,interfaces,protected"},
             {"Interface", "name,type,options,external_ids,mtu_request"}})
      all += sandbox_->Vsctl({"--columns=" + columns, "list", table});
    std::string out;
    test::Run({"ip", "-n", sandbox_->netns(), "-o", "addr", "show"}, &out);
    all += out;
    test::Run({"ip", "-n", sandbox_->netns(), "-o", "link", "show"}, &out);
    all += out;
    if (GetParam() == NetworkMode::kOvn)
      for (const char* db : {"nb", "sb"}) {
        test::Run({"ovsdb-client", "dump", "unix:" + dir_ + "/" + db + ".sock"}, &out);
        all += out;
      }
    return all;
  }

  std::unique_ptr<OvsSandbox> sandbox_;
  std::string dir_;
  int files_ = 0;
};

std::string Mode(const ::testing::TestParamInfo<NetworkMode>& info) {
  return info.param == NetworkMode::kOvn ? "Ovn" : "Mesh";
}

// Each refusal both modes must give: how to bring it about, then the
// operation refused and what its one line must name.
struct Refusal {
  const char* name;
  std::function<void(OverlayModesTest&, NetworkSpec&)> arrange;  // may run the hook first (a start)
  const char* op;
  bool with_port;
  std::vector<std::string> says;  // each must appear in the one line
};

TEST_P(OverlayModesTest, EveryRefusalBothModesShareIsOneLineAndChangesNothing) {
  const std::vector<Refusal> refusals = {
      {"bridge name taken by an operator's Linux bridge",
       [](OverlayModesTest& t, NetworkSpec& spec) {
         t.Ip({"link", "add", "brx", "mtu", "1400", "type", "bridge"});
         t.Ip({"addr", "add", "10.77.0.1/24", "dev", "brx"});
         spec.bridge = "brx";
         spec.address = Cidr::Parse("10.77.0.1/24");
       },
       "start", false, {"bridge", "'brx'", "'bridge' device", "Open vSwitch did not make"}},
      {"running overlay's MTU above what the underlay now carries",
       [](OverlayModesTest& t, NetworkSpec& spec) {
         t.StartFully(spec);
         t.Ip({"link", "set", "u0", "mtu", "1400"});
       },
       "updated", false, {"overlay MTU", "is more than the underlay now carries", "restart the network"}},
      {"guest declaring an MTU above the overlay's",
       [](OverlayModesTest& t, NetworkSpec& spec) {
         t.StartFully(spec);
         std::filesystem::create_directories(t.dir_ + "/etc/qemu");
         std::filesystem::copy_file(std::string(VXNET_TEST_DATA) + "/domains/vm-mtu9000.xml", t.dir_ + "/etc/qemu/vm0.xml");
       },
       "port-created", true, {"domain 'vm0'", "9000"}},
  };
  for (const Refusal& r : refusals) {
    SCOPED_TRACE(r.name);

    sandbox_.reset();
    SetUp();
    NetworkSpec spec = Spec();
    r.arrange(*this, spec);
    if (HasFatalFailure()) return;
    const std::string before = World();
    std::string err;
    EXPECT_EQ(Hook(r.op, spec, r.with_port, &err), 1) << err;
    ASSERT_FALSE(err.empty());
    while (!err.empty() && err.back() == '\n') err.pop_back();
    EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line: " << err;
    for (const std::string& s : r.says) EXPECT_NE(err.find(s), std::string::npos) << "'" << s << "' missing from: " << err;
    EXPECT_EQ(World(), before) << "the refused " << r.op << " changed something";
  }
}

// A start that timed out (OVSDB stalled after its transaction) leaves the
// network's rows while libvirt shows it inactive; the next start takes
// them over, and its stop removes them.
TEST_P(OverlayModesTest, TheNextStartTakesOverWhatAnUnfinishedStartLeft) {
  NetworkSpec spec = Spec();
  std::string err;
  ASSERT_EQ(Hook("start", spec, false, &err), 0) << err;
  std::filesystem::remove_all(dir_ + "/state");  // as if the run never got to record it
  const std::string left = World();
  ASSERT_EQ(Hook("start", spec, false, &err), 0) << err;
  ASSERT_EQ(Hook("stopped", spec, false, &err), 0) << err;
  const std::string after = World();
  if (GetParam() == NetworkMode::kMesh) {
    EXPECT_EQ(sandbox_->Vsctl({"list-br"}), "") << "the leftover bridge stayed";
  } else {
    std::string out;
    test::Run({"ovn-nbctl", "--db=unix:" + dir_ + "/nb.sock", "--timeout=5", "ls-list"}, &out);
    EXPECT_EQ(out, "") << "the leftover logical switch stayed";
  }
  EXPECT_NE(left, after);
}

INSTANTIATE_TEST_SUITE_P(BothOverlays, OverlayModesTest, ::testing::Values(NetworkMode::kMesh, NetworkMode::kOvn), Mode);

}  // namespace
}  // namespace vxnet::test
