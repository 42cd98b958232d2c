#include "engine/run_record.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "xml/xml_doc.h"

namespace vxnet::engine {

namespace {

using Json = nlohmann::json;

// Network names come from libvirt, which forbids '/'; refuse anything that
// could leave the directory all the same.
bool SafeName(const std::string& network) {
  return !network.empty() && network.find('/') == std::string::npos && network != "." && network != "..";
}

}  // namespace

std::string RunRecordPath(const std::string& state_dir, const std::string& network) {
  return state_dir + "/network/" + network + ".json";
}

std::optional<RunRecord> ReadRunRecord(const std::string& state_dir, const std::string& network) {
  if (!SafeName(network)) return std::nullopt;
  const std::optional<std::string> text = ReadXmlFile(RunRecordPath(state_dir, network));  // size-capped read
  if (!text) return std::nullopt;
  const Json j = Json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    RunRecord r;
    r.network = j.at("network").get<std::string>();
    r.bridge = j.at("bridge").get<std::string>();
    if (r.network != network) return std::nullopt;
    if (j.contains("overlay_mtu") && j["overlay_mtu"].is_number_integer()) r.overlay_mtu = j["overlay_mtu"].get<int>();
    if (j.contains("address") && j["address"].is_string()) r.address = Cidr::Parse(j["address"].get<std::string>());
    if (j.contains("attach_veth") && j["attach_veth"].is_string()) r.attach_veth = j["attach_veth"].get<std::string>();
    if (j.contains("spec_digest") && j["spec_digest"].is_string()) r.spec_digest = j["spec_digest"].get<std::string>();
    if (j.contains("ovn") && j["ovn"].is_object())
      r.ovn = OvnRecord{j["ovn"].value("nb", ""), j["ovn"].value("switch", ""), j["ovn"].value("chassis", "")};
    return r;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

void WriteRunRecord(const std::string& state_dir, const RunRecord& record) {
  if (!SafeName(record.network)) throw Error("network name", record.network, "cannot name a record file");
  Json j{{"network", record.network}, {"bridge", record.bridge}, {"spec_digest", record.spec_digest}};
  if (record.overlay_mtu) j["overlay_mtu"] = *record.overlay_mtu;
  if (record.address) j["address"] = record.address->ToString();
  if (record.attach_veth) j["attach_veth"] = *record.attach_veth;
  if (record.ovn) j["ovn"] = Json{{"nb", record.ovn->nb}, {"switch", record.ovn->logical_switch}, {"chassis", record.ovn->chassis}};
  const std::string dir = state_dir + "/network";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = RunRecordPath(state_dir, record.network);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const std::string text = j.dump() + "\n";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  if (fd >= 0) ok = (close(fd) == 0) && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : err;
    unlink(tmp.c_str());
    throw Error("run record", path, std::string("cannot be written: ") + std::strerror(e),
                "check that " + state_dir + " is writable by root (state_dir in vxnet.conf)");
  }
}

void RemoveRunRecord(const std::string& state_dir, const std::string& network) {
  if (!SafeName(network)) return;
  unlink(RunRecordPath(state_dir, network).c_str());
}

}  // namespace vxnet::engine
