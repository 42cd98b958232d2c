#include "ovs_sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace vxnet::test {

namespace {

constexpr const char* kSchema = "/usr/share/openvswitch/vswitch.ovsschema";
constexpr const char* kNetnsPrefix = "vxnet-t";

std::vector<char*> CArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

void KillAndReap(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {  // 2 s, then SIGKILL
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

}  // namespace

int Run(const std::vector<std::string>& argv, std::string* out, const std::string& stdin_path, std::string* err) {
  char err_path[] = "/tmp/vxnet-run-err-XXXXXX";
  const int err_fd = mkstemp(err_path);
  unlink(err_path);
  int pipefd[2];
  if (err_fd < 0 || pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(err ? err_fd : pipefd[1], 2);
    const int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    if (in < 0) _exit(126);
    dup2(in, 0);
    execvp(argv[0].c_str(), CArgs(argv).data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  auto trim = [](std::string& t) {
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  };
  if (err) {
    lseek(err_fd, 0, SEEK_SET);
    err->clear();
    while ((n = read(err_fd, buf, sizeof buf)) > 0) err->append(buf, static_cast<std::size_t>(n));
    trim(*err);
  }
  close(err_fd);
  trim(text);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SilentServer::SilentServer(const std::string& path) : path_(path) {
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 4) != 0)
    throw std::runtime_error("cannot listen on " + path_);
}

SilentServer::~SilentServer() {
  close(fd_);
  unlink(path_.c_str());
}

void RemoveStaleNamespaces() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    const std::string name = e.path().filename();
    if (!name.starts_with(kNetnsPrefix)) continue;
    const pid_t owner = static_cast<pid_t>(std::atoi(name.c_str() + std::strlen(kNetnsPrefix)));
    if (owner > 0 && kill(owner, 0) != 0 && errno == ESRCH) Run({"ip", "netns", "del", name});
  }
}

std::unique_ptr<OvsSandbox> OvsSandbox::Start(bool with_vswitchd, std::string* skip_reason) {
  if (geteuid() != 0) {
    *skip_reason = "needs root (network namespaces, OVS daemons)";
    return nullptr;
  }
  for (const char* tool : {"ovsdb-server", "ovs-vswitchd", "ovsdb-tool", "ovs-vsctl", "ip"}) {
    if (Run({"sh", "-c", std::string("command -v ") + tool}) != 0) {
      *skip_reason = std::string(tool) + " is not installed (scripts/install-deps.sh installs it)";
      return nullptr;
    }
  }
  if (access(kSchema, R_OK) != 0) {
    *skip_reason = std::string("OVS schema missing: ") + kSchema;
    return nullptr;
  }
  RemoveStaleNamespaces();

  std::unique_ptr<OvsSandbox> s(new OvsSandbox());
  char tmpl[] = "/tmp/vxnet-ovs-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  s->dir_ = tmpl;
  static int counter = 0;
  s->netns_ = std::string(kNetnsPrefix) + std::to_string(getpid()) + "-" + std::to_string(++counter);
  if (Run({"ip", "netns", "add", s->netns_}) != 0) {
    *skip_reason = "cannot create a network namespace here";
    return nullptr;
  }
  Run({"ip", "-n", s->netns_, "link", "set", "lo", "up"});
  if (Run({"ovsdb-tool", "create", s->dir_ + "/conf.db", kSchema}) != 0)
    throw std::runtime_error("ovsdb-tool create failed");
  s->ovsdb_pid_ = s->Spawn({"ovsdb-server", s->dir_ + "/conf.db", "--remote=punix:" + s->dir_ + "/db.sock",
                            "--unixctl=" + s->dir_ + "/ovsdb-server.ctl", "--pidfile=" + s->dir_ + "/ovsdb-server.pid",
                            "--log-file=" + s->dir_ + "/ovsdb-server.log", "-vconsole:off"},
                           false);
  s->WaitForSocket(s->dir_ + "/db.sock");
  s->Vsctl({"--no-wait", "init"});
  if (with_vswitchd) s->StartVswitchd();
  return s;
}

OvsSandbox::~OvsSandbox() {
  for (pid_t pid : ovn_pids_) KillAndReap(pid);
  KillAndReap(vswitchd_pid_);
  KillAndReap(ovsdb_pid_);
  if (!netns_.empty()) Run({"ip", "netns", "del", netns_});
  if (!dir_.empty() && !std::getenv("VXNET_KEEP_SANDBOX")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string OvsSandbox::StartOvnDatabases() {
  for (const char* db : {"nb", "sb"}) {
    const std::string base = dir_ + "/" + db;
    std::string out;
    if (Run({"ovsdb-tool", "create", base + ".db", std::string("/usr/share/ovn/ovn-") + db + ".ovsschema"}, &out) != 0)
      return "ovsdb-tool create " + base + ".db: " + out;
    // Not detached: it dies with the test (PR_SET_PDEATHSIG), whatever happens.
    ovn_pids_.push_back(Spawn({"ovsdb-server", base + ".db", "--remote=punix:" + base + ".sock", "--unixctl=" + base + ".ctl",
                               "--no-chdir", "--log-file=" + base + ".log"},
                              false));
    try {
      WaitForSocket(base + ".sock");
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  return "";
}

std::string OvsSandbox::WriteVxnetConf(const std::string& extra) const {
  const std::string path = dir_ + "/vxnet.conf";
  std::ofstream(path) << "ovsdb = " << endpoint() << "\ntimeout = 5\nlog_file = " << dir_ << "/vxnet.log\nlibvirt_config_dir = "
                      << dir_ << "/etc\nlibvirt_state_dir = " << dir_ << "/run\nstate_dir = " << dir_
                      << "/state\nsystem_id_file = " << dir_ << "/system-id.conf\n"
                      << extra;
  return path;
}

pid_t OvsSandbox::Spawn(const std::vector<std::string>& argv, bool in_netns) const {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (in_netns) {
      const int fd = open(("/run/netns/" + netns_).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(126);
    }
    // Keep every OVS runtime file (bridge .mgmt sockets, ctl sockets) in
    // the sandbox, so sandboxes never collide with each other or the host.
    setenv("OVS_RUNDIR", dir_.c_str(), 1);
    setenv("OVS_LOGDIR", dir_.c_str(), 1);
    setenv("OVS_DBDIR", dir_.c_str(), 1);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execvp(argv[0].c_str(), CArgs(argv).data());
    _exit(127);
  }
  return pid;
}

void OvsSandbox::WaitForSocket(const std::string& path) const {
  for (int i = 0; i < 500; ++i) {  // at most 5 s
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("socket did not appear: " + path);
}

std::string OvsSandbox::Vsctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ovs-vsctl", "--db=" + endpoint(), "--timeout=10"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  const int rc = Run(argv, &out);
  if (rc != 0) throw std::runtime_error("ovs-vsctl failed (" + std::to_string(rc) + "): " + out);
  return out;
}

void OvsSandbox::StartVswitchd() {
  if (vswitchd_pid_ > 0) return;
  vswitchd_pid_ = Spawn({"ovs-vswitchd", endpoint(), "--unixctl=" + dir_ + "/ovs-vswitchd.ctl",
                         "--pidfile=" + dir_ + "/ovs-vswitchd.pid", "--log-file=" + dir_ + "/ovs-vswitchd.log",
                         "-vconsole:off"},
                        true);
  WaitForSocket(dir_ + "/ovs-vswitchd.ctl");
}

void OvsSandbox::StopVswitchd() { KillAndReap(vswitchd_pid_); }
void OvsSandbox::StopOvsdb() { KillAndReap(ovsdb_pid_); }

}  // namespace vxnet::test
