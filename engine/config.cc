#include "engine/config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "ovs/endpoint.h"

namespace vxnet::engine {

namespace {

constexpr std::array<const char*, 11> kKeys = {"ovsdb",           "timeout",           "log_level",          "log_file",
                                               "guest_mtu_policy", "libvirt_state_dir", "libvirt_config_dir", "state_dir",
                                               "ovn_nb",          "ovn_sb",            "system_id_file"};

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Edit distance counting a swap of two neighbouring letters as one edit
// (optimal string alignment), for telling a misspelt key from a newer one.
std::size_t Distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The known key `key` is a near-certain misspelling of, if any: one edit
// away once case is ignored and '-' is read as '_'. Two edits is not
// near-certain: a newer vxnet's `ovn_ic` is two from `ovn_nb`, and calling
// it a typo would refuse every start after a downgrade.
const char* LikelyMeant(const std::string& key) {
  std::string normal = key;
  std::transform(normal.begin(), normal.end(), normal.begin(),
                 [](unsigned char c) { return c == '-' ? '_' : static_cast<char>(std::tolower(c)); });
  for (const char* known : kKeys)
    if (Distance(normal, known) <= 1) return known;
  return nullptr;
}

std::string KnownKeys() {
  std::string out;
  for (const char* k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

bool IsAbsolutePath(const std::string& value) { return !value.empty() && value[0] == '/'; }

// Applies one known key; throws Error (limit and fix only) on a bad value.
void Apply(Config& config, const std::string& key, const std::string& value) {
  if (key == "ovsdb") {
    try {
      ovs::Endpoint::Parse(value);
    } catch (const Error& e) {
      throw Error("", value, "OVSDB endpoint " + e.limit());
    }
    config.ovsdb = value;
  } else if (key == "timeout") {
    std::uint64_t seconds = 0;
    try {
      seconds = ParseDecimal("timeout", value);
    } catch (const Error&) {
      seconds = 0;
    }
    if (seconds < 1 || seconds > 600) throw Error("", value, "timeout must be 1 to 600 seconds");
    config.timeout = std::chrono::seconds(seconds);
  } else if (key == "log_level") {
    if (value != "trace" && value != "debug" && value != "info" && value != "warn" && value != "error" && value != "off")
      throw Error("", value, "log_level must be trace, debug, info, warn, error or off");
    config.log_level = value;
  } else if (key == "log_file") {
    if (!IsAbsolutePath(value)) throw Error("", value, "log_file must be an absolute path");
    config.log_file = value;
  } else if (key == "guest_mtu_policy") {
    auto p = ParseGuestMtuPolicy(value);
    if (!p) throw Error("", value, "guest_mtu_policy must be warn or strict");
    config.guest_mtu_policy = *p;
  } else if (key == "ovn_nb" || key == "ovn_sb") {
    if (auto e = CheckOvsdbRemotes(key, value)) throw Error("", value, "OVN database " + e->limit());
    (key == "ovn_nb" ? config.ovn_nb : config.ovn_sb) = value;
  } else if (key == "system_id_file") {
    if (!IsAbsolutePath(value)) throw Error("", value, "system_id_file must be an absolute path");
    config.system_id_file = value;
  } else if (key == "libvirt_state_dir" || key == "libvirt_config_dir" || key == "state_dir") {
    if (!IsAbsolutePath(value)) throw Error("", value, key + " must be an absolute path");
    (key == "libvirt_state_dir" ? config.libvirt_state_dir
                                : key == "libvirt_config_dir" ? config.libvirt_config_dir : config.state_dir) = value;
  }
}

}  // namespace

void Config::RequireClean() const {
  if (!problems.empty()) throw problems.front();
}

Config ParseConfig(std::string_view text, const std::string& path) {
  Config config;
  config.path = path;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = "config file " + path + " line " + std::to_string(number);
    const auto hash = line.find('#');
    const std::string content = Trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (content.empty()) continue;
    const auto eq = content.find('=');
    if (eq == std::string::npos) {
      config.problems.emplace_back(where, Printable(content), "is not 'key = value'",
                                   "fix or remove the line (see vxnet.conf(5))");
      continue;
    }
    const std::string key = Trim(content.substr(0, eq)), value = Trim(content.substr(eq + 1));
    if (std::find_if(kKeys.begin(), kKeys.end(), [&](const char* k) { return key == k; }) == kKeys.end()) {
      if (const char* meant = LikelyMeant(key)) {
        config.problems.emplace_back(where, Printable(key), "is not a known key", "did you mean '" + std::string(meant) + "'?");
      } else {
        config.notices.push_back(where + " '" + Printable(key) + "': not a key this vxnet knows (" + KnownKeys() +
                                 "); ignored (a setting of a newer vxnet?)");
      }
      continue;
    }
    try {
      Apply(config, key, value);
    } catch (const Error& e) {
      config.problems.emplace_back(where + " key '" + key + "'", Printable(value), e.limit(),
                                   "fix it (see vxnet.conf(5)); until then vxnet admits none of its networks or guests");
    }
  }
  return config;
}

Config LoadConfig(const std::string& path) {
  Config config;
  config.path = path;
  auto problem = [&](std::string limit, std::string fix) {
    config.problems.emplace_back("config file", path, std::move(limit), std::move(fix));
    return config;
  };
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return config;  // every default
    return problem(std::string("cannot be opened: ") + std::strerror(errno), "make it a file readable by root");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return problem("is not a regular file", "make it a plain file (see vxnet.conf(5))");
  }
  std::string text(kMaxConfigBytes + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    const ssize_t n = read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return problem(std::string("cannot be read: ") + std::strerror(err), "make it a file readable by root");
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  close(fd);
  if (used > kMaxConfigBytes)
    return problem("is larger than " + std::to_string(kMaxConfigBytes) + " bytes", "it holds a few lines (see vxnet.conf(5))");
  text.resize(used);
  return ParseConfig(text, path);
}

Config LoadConfigFromEnvironment() {
  const char* path = std::getenv("VXNET_CONFIG");
  Config config = LoadConfig(path && *path ? path : kDefaultConfigPath);
  if (const char* ovsdb = std::getenv("VXNET_OVSDB"); ovsdb && *ovsdb) config.ovsdb = ovsdb;
  return config;
}

}  // namespace vxnet::engine
