#include "ovn/southbound.h"

#include "common/error.h"
#include "ovn/remote.h"
#include "ovs/ovs_state.h"

namespace vxnet::ovn {

namespace {

using ovs::Json;
namespace data = ovs::data;

std::string UuidOf(const Json& v) {
  return v.is_array() && v.size() == 2 && v[0] == "uuid" && v[1].is_string() ? v[1].get<std::string>() : "";
}

}  // namespace

bool WaitForChassis(ovs::OvsdbClient& client, const std::string& name, const Deadline& deadline) {
  const auto left = deadline.remaining().count();
  if (left <= 20) return false;
  const Json ops = Json::array({{{"op", "wait"}, {"timeout", left - 10}, {"table", "Chassis"},
                                 {"where", Json::array({Json::array({"name", "==", name})})},
                                 {"columns", Json::array({"name"})}, {"until", "!="}, {"rows", Json::array()}}});
  return TransactOrRetry(client, kSouthbound, ops, deadline);
}

std::vector<ChassisInfo> ReadChassis(ovs::OvsdbClient& client, const Deadline& deadline) {
  const Json ops = Json::array({
      {{"op", "select"}, {"table", "Chassis"}, {"where", Json::array()}, {"columns", Json::array({"name", "hostname", "encaps"})}},
      {{"op", "select"}, {"table", "Encap"}, {"where", Json::array()}, {"columns", Json::array({"_uuid", "type", "ip", "chassis_name"})}},
  });
  Json r;
  if (!TransactOrRetry(client, kSouthbound, ops, deadline, &r)) throw Error::Plain("OVN Southbound DB: read failed");
  std::vector<ChassisInfo> out;
  try {
    std::map<std::string, EncapInfo> encaps;
    for (const auto& row : r.at(1).at("rows"))
      encaps[UuidOf(row.at("_uuid"))] = {row.at("type").get<std::string>(), row.at("ip").get<std::string>(),
                                         row.at("chassis_name").get<std::string>()};
    for (const auto& row : r.at(0).at("rows")) {
      ChassisInfo c{row.at("name").get<std::string>(), row.at("hostname").get<std::string>(), {}};
      for (const auto& e : data::DecodeUuidSet(row.at("encaps")))
        if (auto it = encaps.find(e); it != encaps.end()) c.encaps.push_back(it->second);
      out.push_back(std::move(c));
    }
  } catch (const Json::exception& e) {
    throw Error("OVN Southbound DB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
  return out;
}

std::vector<IpAddress> OtherEncapIps(const std::vector<ChassisInfo>& all, const std::string& self) {
  std::vector<IpAddress> out;
  for (const auto& c : all) {
    if (c.name == self) continue;
    for (const auto& e : c.encaps)
      if (auto ip = IpAddress::Parse(e.ip)) out.push_back(*ip);
  }
  return out;
}

std::map<std::string, BindingInfo> ReadBindings(ovs::OvsdbClient& client, const std::vector<std::string>& ports,
                                                const Deadline& deadline) {
  std::map<std::string, BindingInfo> out;
  if (ports.empty()) return out;
  Json ops = Json::array({{{"op", "select"}, {"table", "Chassis"}, {"where", Json::array()}, {"columns", Json::array({"_uuid", "name"})}}});
  for (const auto& p : ports)
    ops.push_back({{"op", "select"}, {"table", "Port_Binding"}, {"where", Json::array({Json::array({"logical_port", "==", p})})},
                   {"columns", Json::array({"logical_port", "chassis", "additional_chassis", "up"})}});
  Json r;
  if (!TransactOrRetry(client, kSouthbound, ops, deadline, &r)) throw Error::Plain("OVN Southbound DB: read failed");
  try {
    std::map<std::string, std::string> names;
    for (const auto& row : r.at(0).at("rows")) names[UuidOf(row.at("_uuid"))] = row.at("name").get<std::string>();
    for (std::size_t i = 1; i < r.size(); ++i)
      for (const auto& row : r.at(i).at("rows")) {
        BindingInfo b;
        const auto chassis = data::DecodeUuidSet(row.at("chassis"));
        if (!chassis.empty()) b.chassis = names.count(chassis.front()) ? names[chassis.front()] : chassis.front();
        for (const auto& a : data::DecodeUuidSet(row.at("additional_chassis"))) b.additional.push_back(names.count(a) ? names[a] : a);
        if (const Json& up = row.at("up"); up.is_boolean()) b.up = up.get<bool>();
        out[row.at("logical_port").get<std::string>()] = b;
      }
  } catch (const Json::exception& e) {
    throw Error("OVN Southbound DB", client.endpoint().text, std::string("answered with unexpected data: ") + e.what());
  }
  return out;
}

}  // namespace vxnet::ovn
