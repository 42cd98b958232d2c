#pragma once
// A private Open vSwitch for tests: ovsdb-server and ovs-vswitchd
// (userspace datapath) in a temporary directory, ovs-vswitchd inside a
// network namespace of its own so no interface appears on the host. Never
// the system's OVS. Everything is removed by the destructor; children die
// with the test process (PR_SET_PDEATHSIG) should it be killed.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace vxnet::test {

class OvsSandbox {
 public:
  // Returns nullptr and sets *skip_reason when a prerequisite cannot exist
  // here (OVS not installed, not root, no network namespaces).
  static std::unique_ptr<OvsSandbox> Start(bool with_vswitchd, std::string* skip_reason);
  ~OvsSandbox();

  std::string endpoint() const { return "unix:" + dir_ + "/db.sock"; }
  const std::string& dir() const { return dir_; }
  const std::string& netns() const { return netns_; }

  // Runs ovs-vsctl against this sandbox's database (tests may; product code
  // never does). Returns stdout, trimmed; throws on a non-zero exit.
  std::string Vsctl(const std::vector<std::string>& args) const;

  // OVN central's Northbound and Southbound ovsdb-servers on unix sockets
  // (dir()/nb.sock, dir()/sb.sock), stopped by the destructor. Returns
  // what failed, or "" when both run.
  std::string StartOvnDatabases();
  // A vxnet.conf at dir()/vxnet.conf for this sandbox (the hook's files
  // under dir()), with `extra` lines appended.
  std::string WriteVxnetConf(const std::string& extra = "") const;

  void StartVswitchd();
  void StopVswitchd();
  void StopOvsdb();
  bool vswitchd_running() const { return vswitchd_pid_ > 0; }

 private:
  OvsSandbox() = default;
  pid_t Spawn(const std::vector<std::string>& argv, bool in_netns) const;
  void WaitForSocket(const std::string& path) const;

  std::string dir_, netns_;
  pid_t ovsdb_pid_ = -1, vswitchd_pid_ = -1;
  std::vector<pid_t> ovn_pids_;
};

// Runs argv (no shell), returns exit status. stdout (and stderr when err is
// null) goes to *out when given; stdin comes from stdin_path or /dev/null.
int Run(const std::vector<std::string>& argv, std::string* out = nullptr, const std::string& stdin_path = "",
        std::string* err = nullptr);

// A unix socket that accepts connections (the kernel completes them from
// the backlog) and never answers: a stalled OVSDB. Removed on destruction.
class SilentServer {
 public:
  explicit SilentServer(const std::string& path);
  ~SilentServer();
  std::string endpoint() const { return "unix:" + path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Removes namespaces left by earlier test processes that were killed.
void RemoveStaleNamespaces();

}  // namespace vxnet::test
