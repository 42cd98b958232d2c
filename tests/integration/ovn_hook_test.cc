// OVN mode's hook against real databases: a private OVS (ovsdb-server and
// ovs-vswitchd, userspace datapath, in a network namespace) standing for a
// host whose ovn-controller made br-int, and private OVN Northbound and
// Southbound ovsdb-servers on unix sockets. No ovn-controller or northd:
// what is checked is what the hook writes, and what it must never touch.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ovs_sandbox.h"
#include "xml/network_xml.h"

namespace vxnet::test {
namespace {

const char* kPortXml =
    "<networkport><uuid>03ea3a12-3009-4d5d-8579-f5014123351f</uuid><owner><name>vm0</name>"
    "<uuid>eae982a5-b9ea-41b9-8d36-c0cc92dc7677</uuid></owner><mac address='52:54:00:e8:6a:6e'/>"
    "<virtualport type='openvswitch'><parameters interfaceid='7d16b9e8-209e-4269-8fb5-7b0438f03743'/></virtualport>"
    "<plug type='bridge' bridge='br-int'/></networkport>";
const char* kIfaceId = "7d16b9e8-209e-4269-8fb5-7b0438f03743";

class OvnHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    for (const char* f : {"/usr/share/ovn/ovn-nb.ovsschema", "/usr/share/ovn/ovn-sb.ovsschema", "/usr/bin/ovn-nbctl"})
      if (access(f, R_OK) != 0) GTEST_SKIP() << f << " is missing: install ovn-central and ovn-host (scripts/install-deps.sh)";
    sandbox_ = OvsSandbox::Start(true, &reason);
    if (!sandbox_) GTEST_SKIP() << reason;
    dir_ = sandbox_->dir();
    // The integration bridge as ovn-controller makes it.
    sandbox_->Vsctl({"add-br", "br-int", "--", "set", "Bridge", "br-int", "datapath_type=netdev", "fail_mode=secure"});
    const std::string failed = sandbox_->StartOvnDatabases();
    ASSERT_EQ(failed, "");
    sandbox_->WriteVxnetConf();
  }


  NetworkSpec Spec(const std::string& nb = "") const {
    NetworkSpec s;
    s.mode = NetworkMode::kOvn;
    s.bridge = kOvnDefaultBridge;
    s.datapath = Datapath::kNetdev;
    s.ovn.nb = nb.empty() ? "unix:" + dir_ + "/nb.sock" : nb;
    s.ovn.sb = "unix:" + dir_ + "/sb.sock";
    s.local_ip = IpAddress::Parse("198.18.0.1");
    s.mtu = 1442;  // a unix: Southbound DB gives no underlay path to derive it from
    return s;
  }

  int Hook(const std::string& op, const NetworkSpec& spec, bool with_port, std::string* err = nullptr) {
    const std::string path = dir_ + "/in-" + std::to_string(++files_) + ".xml";
    std::ofstream(path) << "<hookData>" << FormatNetworkXml(spec) << (with_port ? kPortXml : "") << "</hookData>";
    setenv("VXNET_CONFIG", (dir_ + "/vxnet.conf").c_str(), 1);
    unsetenv("VXNET_OVSDB");
    std::string ignored;
    return test::Run({"ip", "netns", "exec", sandbox_->netns(), VXNET_HOOK, "vxnet0", op, op == "stopped" ? "end" : "begin", "-"},
               nullptr, path, err ? err : &ignored);
  }

  std::string Nbctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ovn-nbctl", "--db=unix:" + dir_ + "/nb.sock", "--timeout=5"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    test::Run(argv, &out);
    return out;
  }
  std::string ExternalId(const std::string& key) {
    try {
      return sandbox_->Vsctl({"get", "Open_vSwitch", ".", "external_ids:" + key});
    } catch (const std::exception&) {
      return "(absent)";
    }
  }

  std::unique_ptr<OvsSandbox> sandbox_;
  std::string dir_;
  int files_ = 0;
};

TEST_F(OvnHookTest, StartMakesTheChassisAndSwitchPortsFollowGuestsTheLastHostRemovesTheSwitch) {
  std::string err;
  ASSERT_EQ(Hook("start", Spec(), false, &err), 0) << err;
  EXPECT_EQ(ExternalId("ovn-remote"), "\"unix:" + dir_ + "/sb.sock\"");
  EXPECT_EQ(ExternalId("ovn-encap-type"), "geneve");
  EXPECT_EQ(ExternalId("ovn-encap-ip"), "\"198.18.0.1\"");
  EXPECT_EQ(ExternalId("ovn-bridge-datapath-type"), "netdev");
  const std::string id = ExternalId("system-id");
  std::ifstream file(dir_ + "/system-id.conf");
  std::string kept;
  file >> kept;
  EXPECT_EQ("\"" + kept + "\"", id) << "a new system-id is kept where ovs-ctl keeps it";
  EXPECT_EQ(Nbctl({"--bare", "--columns=external_ids", "find", "Logical_Switch", "name=vxnet0"}).find("vxnet-network=vxnet0") !=
                std::string::npos,
            true);

  ASSERT_EQ(Hook("port-created", Spec(), true, &err), 0) << err;
  EXPECT_EQ(Nbctl({"get", "Logical_Switch_Port", kIfaceId, "options:requested-chassis"}), id);
  EXPECT_EQ(Nbctl({"get", "Logical_Switch_Port", kIfaceId, "addresses"}), "[\"52:54:00:e8:6a:6e\"]");
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", "br-int", "mtu_request"}), "1442") << "guest taps copy br-int's MTU";
  ASSERT_EQ(Hook("port-created", Spec(), true, &err), 0) << "idempotent: " << err;

  ASSERT_EQ(Hook("port-deleted", Spec(), true, &err), 0) << err;
  EXPECT_EQ(Nbctl({"--bare", "--columns=name", "find", "Logical_Switch_Port", std::string("name=") + kIfaceId}), "");
  ASSERT_EQ(Hook("stopped", Spec(), false, &err), 0) << err;
  EXPECT_EQ(Nbctl({"ls-list"}), "") << "the last host removes the switch";
  EXPECT_EQ(sandbox_->Vsctl({"get", "Interface", "br-int", "mtu_request"}), "[]") << "br-int's MTU is put back";
  EXPECT_EQ(ExternalId("ovn-remote"), "\"unix:" + dir_ + "/sb.sock\"") << "the host stays a chassis";
}

TEST_F(OvnHookTest, TheOperatorsChassisSettingIsNeverOverwritten) {
  sandbox_->Vsctl({"set", "Open_vSwitch", ".", "external_ids:ovn-remote=tcp:10.9.9.9:6642", "external_ids:system-id=op-host"});
  std::string err;
  EXPECT_EQ(Hook("start", Spec(), false, &err), 1);
  EXPECT_NE(err.find("vxnet: Open_vSwitch external_ids:ovn-remote 'tcp:10.9.9.9:6642': is set by someone else"), std::string::npos)
      << err;
  EXPECT_EQ(ExternalId("ovn-remote"), "\"tcp:10.9.9.9:6642\"");
  EXPECT_EQ(ExternalId("system-id"), "op-host");
  EXPECT_EQ(ExternalId("ovn-encap-type"), "(absent)") << "all or nothing";
  EXPECT_EQ(Nbctl({"ls-list"}), "");
}

TEST_F(OvnHookTest, ASwitchOrPortVxnetDidNotMakeIsRefusedAndLeftAsItWas) {
  Nbctl({"ls-add", "vxnet0"});
  std::string err;
  EXPECT_EQ(Hook("start", Spec(), false, &err), 1);
  EXPECT_NE(err.find("OVN logical switch 'vxnet0': exists and is not vxnet's"), std::string::npos) << err;
  EXPECT_EQ(Nbctl({"--bare", "--columns=external_ids", "find", "Logical_Switch", "name=vxnet0"}), "");

  Nbctl({"ls-del", "vxnet0"});
  Nbctl({"ls-add", "other"});
  Nbctl({"lsp-add", "other", kIfaceId});
  ASSERT_EQ(Hook("start", Spec(), false, &err), 0) << err;
  EXPECT_EQ(Hook("port-created", Spec(), true, &err), 1);
  EXPECT_NE(err.find("OVN logical switch port '" + std::string(kIfaceId) + "': exists and is not vxnet's"), std::string::npos)
      << err;
  EXPECT_EQ(Nbctl({"lsp-get-ls", kIfaceId}).find("(other)") != std::string::npos, true);
  EXPECT_EQ(Hook("port-deleted", Spec(), true, &err), 0);
  EXPECT_NE(Nbctl({"--bare", "--columns=name", "find", "Logical_Switch_Port", std::string("name=") + kIfaceId}), "")
      << "port-deleted removed a port that is not vxnet's";
}

TEST_F(OvnHookTest, AnUnreachableNorthboundRefusesTheGuestButNeverAStop) {
  std::string err;
  ASSERT_EQ(Hook("start", Spec(), false, &err), 0) << err;
  const NetworkSpec gone = Spec("unix:" + dir_ + "/nowhere.sock");
  EXPECT_EQ(Hook("port-created", gone, true, &err), 1);
  EXPECT_NE(err.find("vxnet: OVN Northbound DB 'unix:" + dir_ + "/nowhere.sock': cannot be reached"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  EXPECT_EQ(Hook("port-deleted", gone, true, &err), 0) << err;
  std::filesystem::remove(dir_ + "/state/network/vxnet0.json");  // so stopped only has the unreachable one
  EXPECT_EQ(Hook("stopped", gone, false, &err), 0) << err;
  std::ifstream log(dir_ + "/vxnet.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("op=stopped"), std::string::npos);
  EXPECT_NE(text.find("nowhere.sock"), std::string::npos) << "the log says why: " << text;
}

}  // namespace
}  // namespace vxnet::test
