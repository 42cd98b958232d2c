#include "engine/run_record.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "common/atomic_file.h"
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

// Records decide what 'stopped' removes: written whole and durably, or not
// at all (the old one stays).
void WriteRecord(const std::string& dir, const std::string& path, const std::string& text, const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  WriteFileAtomically(path, text, 0644, "record",
                      "check that " + state_dir + " is writable by root (state_dir in vxnet.conf)");
}

std::optional<Json> ReadJson(const std::string& path) {
  std::optional<std::string> text;
  try {
    text = ReadXmlFile(path);  // size-capped read
  } catch (const Error&) {
    return std::nullopt;  // a record is a help, never a condition
  }
  if (!text) return std::nullopt;
  Json j = Json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

std::string GuestRecordPath(const std::string& state_dir, const std::string& uuid) {
  return state_dir + "/guest/" + uuid + ".json";
}

}  // namespace

const AdmittedInterface* GuestRecord::Find(const std::string& mac) const {
  const std::string wanted = AsciiLower(mac);
  for (const auto& i : interfaces)
    if (i.mac == wanted) return &i;
  return nullptr;
}

std::optional<GuestRecord> ReadGuestRecord(const std::string& state_dir, const std::string& uuid) {
  if (!SafeName(uuid)) return std::nullopt;
  const std::optional<Json> j = ReadJson(GuestRecordPath(state_dir, uuid));
  if (!j) return std::nullopt;
  try {
    GuestRecord r;
    r.domain = j->at("domain").get<std::string>();
    r.uuid = j->at("uuid").get<std::string>();
    if (r.uuid != uuid) return std::nullopt;
    for (const auto& i : j->at("interfaces")) {
      AdmittedInterface a;
      a.mac = AsciiLower(i.at("mac").get<std::string>());
      a.network = i.at("network").get<std::string>();
      if (i.contains("declared_mtu") && i["declared_mtu"].is_number_integer()) a.declared_mtu = i["declared_mtu"].get<long long>();
      r.interfaces.push_back(std::move(a));
    }
    return r;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

void WriteGuestRecord(const std::string& state_dir, const GuestRecord& record) {
  if (!SafeName(record.uuid)) throw Error("domain uuid", record.uuid, "cannot name a record file");
  Json interfaces = Json::array();
  for (const auto& i : record.interfaces) {
    Json one{{"mac", AsciiLower(i.mac)}, {"network", i.network}};
    if (i.declared_mtu) one["declared_mtu"] = *i.declared_mtu;
    interfaces.push_back(std::move(one));
  }
  const Json j{{"domain", record.domain}, {"uuid", record.uuid}, {"interfaces", interfaces}};
  WriteRecord(state_dir + "/guest", GuestRecordPath(state_dir, record.uuid), j.dump() + "\n", state_dir);
}

void RemoveGuestRecord(const std::string& state_dir, const std::string& uuid) {
  if (!SafeName(uuid)) return;
  unlink(GuestRecordPath(state_dir, uuid).c_str());
}

std::string RunRecordPath(const std::string& state_dir, const std::string& network) {
  return state_dir + "/network/" + network + ".json";
}

std::optional<RunRecord> ReadRunRecord(const std::string& state_dir, const std::string& network) {
  if (!SafeName(network)) return std::nullopt;
  const std::optional<Json> j = ReadJson(RunRecordPath(state_dir, network));
  if (!j) return std::nullopt;
  try {
    RunRecord r;
    r.network = j->at("network").get<std::string>();
    r.bridge = j->at("bridge").get<std::string>();
    if (r.network != network) return std::nullopt;
    if (j->contains("overlay_mtu") && (*j)["overlay_mtu"].is_number_integer()) r.overlay_mtu = (*j)["overlay_mtu"].get<int>();
    if (j->contains("address") && (*j)["address"].is_string()) r.address = Cidr::Parse((*j)["address"].get<std::string>());
    if (j->contains("attach_veth") && (*j)["attach_veth"].is_string()) r.attach_veth = (*j)["attach_veth"].get<std::string>();
    if (j->contains("spec_digest") && (*j)["spec_digest"].is_string()) r.spec_digest = (*j)["spec_digest"].get<std::string>();
    if (j->contains("ovn") && (*j)["ovn"].is_object())
      r.ovn = OvnRecord{(*j)["ovn"].value("nb", ""), (*j)["ovn"].value("switch", ""), (*j)["ovn"].value("chassis", "")};
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
  WriteRecord(state_dir + "/network", RunRecordPath(state_dir, record.network), j.dump() + "\n", state_dir);
}

void RemoveRunRecord(const std::string& state_dir, const std::string& network) {
  if (!SafeName(network)) return;
  unlink(RunRecordPath(state_dir, network).c_str());
}

}  // namespace vxnet::engine
