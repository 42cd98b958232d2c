#include "ovn/remote.h"

#include <chrono>

#include "common/error.h"
#include "ovs/endpoint.h"

namespace vxnet::ovn {

namespace {

std::vector<std::string> Split(const std::string& remotes) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= remotes.size()) {
    const std::size_t comma = remotes.find(',', start);
    out.push_back(remotes.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

ovs::OvsdbClient ConnectAny(const std::string& what, const std::string& remotes, const Deadline& deadline) {
  const std::vector<std::string> list = Split(remotes);
  std::string last;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto share = std::chrono::milliseconds(deadline.remaining().count() / static_cast<long long>(list.size() - i));
    try {
      return ovs::OvsdbClient::Connect(ovs::Endpoint::Parse(list[i]), deadline.Within(share));
    } catch (const Error& e) {
      last = e.limit();
    }
  }
  throw Error(what, remotes, "cannot be reached: " + last,
              "check that OVN central (ovsdb-server of " + std::string(what == "OVN Southbound DB" ? kSouthbound : kNorthbound) +
                  ") runs and listens there, and the network's or vxnet.conf's setting");
}

std::vector<IpAddress> RemoteAddresses(const std::string& remotes) {
  std::vector<IpAddress> out;
  for (const std::string& r : Split(remotes)) {
    if (!r.starts_with("tcp:")) continue;
    try {
      const ovs::Endpoint e = ovs::Endpoint::Parse(r);
      if (auto ip = IpAddress::Parse(e.host)) out.push_back(*ip);
    } catch (const Error&) {
    }
  }
  return out;
}

bool TransactOrRetry(ovs::OvsdbClient& client, const std::string& db, const ovs::Json& ops, const Deadline& deadline,
                     ovs::Json* out) {
  ovs::Json result = client.Transact(db, ops, deadline);
  for (std::size_t i = 0; i < result.size(); ++i) {
    const ovs::Json& r = result[i];
    if (!r.is_object() || !r.contains("error") || r["error"].is_null()) continue;
    const std::string error = r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump();
    const std::string op = i < ops.size() ? ops[i].value("op", std::string("?")) : "?";
    if (error == "timed out" && op == "wait") return false;
    if (error == "constraint violation" || error == "referential integrity violation") {
      // A row inserted meanwhile by another host (a unique name): re-plan.
      if (op == "insert" || op == "mutate") return false;
    }
    throw Error(db + " transaction", client.endpoint().text,
                "failed in operation '" + op + "': " + error +
                    (r.contains("details") ? " (" + Printable(r["details"].dump(), 200) + ")" : ""));
  }
  if (out) *out = std::move(result);
  return true;
}

}  // namespace vxnet::ovn
