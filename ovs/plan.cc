#include "ovs/plan.h"

#include <algorithm>
#include <set>

#include "common/error.h"

namespace vxnet::ovs {

namespace {

std::string OwnerOf(const StringMap& external_ids) {
  auto it = external_ids.find(kOwnerKey);
  return it == external_ids.end() ? "" : it->second;
}

std::string Normalized(const std::string& datapath_type) {
  return datapath_type.empty() ? "system" : datapath_type;
}

// The tunnel identity OVS refuses to duplicate, from an Interface's options,
// with OVS's defaults filled in and addresses in canonical form.
std::string TunnelIdentity(const StringMap& options) {
  auto get = [&](const char* k, const char* def) {
    auto it = options.find(k);
    return it == options.end() ? std::string(def) : it->second;
  };
  auto canonical = [](const std::string& ip) {
    auto parsed = IpAddress::Parse(ip);
    return parsed ? parsed->ToString() : ip;
  };
  return canonical(get("remote_ip", "")) + "|" + get("key", "0") + "|" + get("dst_port", "4789") + "|" +
         canonical(get("local_ip", ""));
}

std::string Describe(const DesiredTunnel& t) {
  std::string s = t.name + " (remote_ip=" + t.remote.ToString() + " key=" + std::to_string(t.key);
  if (t.dst_port != kDefaultDstPort) s += " dst_port=" + std::to_string(t.dst_port);
  if (t.local_ip) s += " local_ip=" + t.local_ip->ToString();
  if (t.bfd) s += " bfd";
  return s + ")";
}

StringMap TunnelExternalIds(const std::string& network, const DesiredTunnel& t) {
  return {{kOwnerKey, network}, {kPeerKey, t.remote.ToString()}};
}

// The bridge's own port and interface must both carry the bridge's name:
// libvirt (and the kernel netdev) know the bridge by that name only.
void CheckLocalPort(const BridgeRow& bridge, const OvsState& state, bool owned, Plan& plan) {
  const PortRow* local = nullptr;
  for (const auto& p : bridge.ports) {
    auto it = state.ports.find(p);
    if (it != state.ports.end() && it->second.name == bridge.name) local = &it->second;
  }
  const std::string fix = "rename both to '" + bridge.name +
                          "' (with NetworkManager: give the ovs-bridge, ovs-port and ovs-interface connections "
                          "the same interface name)";
  if (local) {
    for (const auto& i : local->interfaces) {
      const InterfaceRow* iface = state.Interface(i);
      if (iface && iface->name == bridge.name) {
        if (iface->type != "internal")
          throw Error("bridge '" + bridge.name + "' local interface type", iface->type, "must be 'internal'");
        plan.local_interface_uuid = iface->uuid;
        return;
      }
    }
    const InterfaceRow* iface = local->interfaces.empty() ? nullptr : state.Interface(local->interfaces.front());
    throw Error("bridge '" + bridge.name + "' local port", local->name,
                "holds interface '" + (iface ? iface->name : std::string("?")) + "', not one named '" + bridge.name + "'",
                fix);
  }
  // No port of the bridge's name: look for a misnamed internal one.
  for (const auto& p : bridge.ports) {
    auto it = state.ports.find(p);
    if (it == state.ports.end()) continue;
    for (const auto& i : it->second.interfaces) {
      const InterfaceRow* iface = state.Interface(i);
      if (iface && iface->type == "internal")
        throw Error("bridge '" + bridge.name + "'", bridge.name,
                    "has its internal interface as port '" + it->second.name + "' / interface '" + iface->name +
                        "', but libvirt needs port and interface named like the bridge",
                    fix);
    }
  }
  if (!owned)
    throw Error("bridge '" + bridge.name + "'", bridge.name, "has no internal port of the same name",
                "add one (ovs-vsctl add-port " + bridge.name + " " + bridge.name +
                    " -- set Interface " + bridge.name + " type=internal) or let vxnet create the bridge");
  plan.add_local_port = true;
}

// On a bridge vxnet did not create, the first mtu_request change records
// the value it replaces, so teardown can put it back.
void SaveMtuRequestIfForeign(const BridgeRow& bridge, const InterfaceRow& local, const std::string& network, Plan& plan) {
  if (!plan.set_mtu_request || OwnerOf(bridge.external_ids) == network) return;
  if (local.external_ids.count(kSavedMtuRequestKey)) return;
  plan.save_mtu_request = local.mtu_request ? std::to_string(*local.mtu_request) : "none";
}

}  // namespace

bool IsGuestTap(const PortRow& port, const OvsState& state) {
  for (const auto& i : port.interfaces) {
    const InterfaceRow* iface = state.Interface(i);
    if (iface && (iface->external_ids.count("attached-mac") || iface->external_ids.count("vm-id") ||
                  iface->external_ids.count("iface-id")))
      return true;
  }
  return false;
}

bool Plan::empty() const {
  return !create_bridge && !add_local_port && !set_datapath && !set_mtu_request && add.empty() && update.empty() &&
         remove.empty() && !delete_bridge && delete_old_bridges.empty() && !add_attach_port && !save_mtu_request &&
         !restore_mtu_request && plug_guests.empty();
}

std::vector<std::string> Plan::Describe() const {
  std::vector<std::string> out;
  if (create_bridge) out.push_back("create bridge " + bridge_name + " with internal port " + bridge_name);
  if (add_local_port) out.push_back("add internal port " + bridge_name + " to bridge " + bridge_name);
  if (set_datapath) out.push_back("set bridge " + bridge_name + " datapath_type=" + *set_datapath);
  if (set_mtu_request) out.push_back("set interface " + bridge_name + " mtu_request=" + std::to_string(*set_mtu_request));
  for (const auto& t : add) out.push_back("add tunnel " + vxnet::ovs::Describe(t));
  if (add_attach_port) out.push_back("add port " + *add_attach_port + " (veth to the attached Linux bridge)");
  for (const auto& u : update) out.push_back("update tunnel " + vxnet::ovs::Describe(u.tunnel));
  for (const auto& r : remove) out.push_back("remove port " + r.name);
  if (delete_bridge) out.push_back("delete bridge " + bridge_name);
  for (const auto& b : delete_old_bridges) out.push_back("delete bridge " + b.name + " (the network's former bridge)");
  for (const auto& g : plug_guests) out.push_back("plug guest tap " + g.tap + " (mac " + g.mac + ") into bridge " + bridge_name);
  if (save_mtu_request)
    out.push_back("record interface " + bridge_name + " mtu_request=" + *save_mtu_request + " (bridge not vxnet's)");
  if (restore_mtu_request)
    out.push_back("restore interface " + bridge_name + " mtu_request=" +
                  (*restore_mtu_request ? std::to_string(**restore_mtu_request) : std::string("(unset)")));
  return out;
}

namespace {

// Someone else's bridge (the underlay's br-phy, a bond) must not be taken
// over: only the NetworkManager-made kind, holding nothing but its internal
// port, guests and this network's own ports, is used.
void RefuseForeignPorts(const BridgeRow& bridge, const std::string& network, const OvsState& state) {
  for (const auto& p : bridge.ports) {
    auto it = state.ports.find(p);
    if (it == state.ports.end()) continue;
    const PortRow& port = it->second;
    if (port.name == bridge.name || OwnerOf(port.external_ids) == network || IsGuestTap(port, state)) continue;
    throw Error("bridge", bridge.name,
                "was not made by vxnet and carries port '" + port.name +
                    "', which is neither a guest's nor vxnet's; vxnet does not take over such a bridge",
                "give network '" + network + "' its own bridge name (vxnet creates it), or remove port '" + port.name +
                    "' from the bridge");
  }
}

}  // namespace

Plan PlanReconcile(const DesiredNetwork& desired, const OvsState& state) {
  Plan plan;
  plan.network = desired.network;
  plan.bridge_name = desired.bridge;
  const OvsIndex index(state);
  const BridgeRow* bridge = index.Bridge(desired.bridge);

  if (!bridge) {
    if (const PortRow* clash = index.Port(desired.bridge)) {
      const BridgeRow* on = index.BridgeOfPort(clash->uuid);
      throw Error("bridge name", desired.bridge, "is already a port on bridge '" + (on ? on->name : std::string("?")) + "'",
                  "choose another bridge name");
    }
    plan.create_bridge = true;
  } else {
    plan.bridge_uuid = bridge->uuid;
    plan.observed_bridge_ports = bridge->ports;
    const std::string owner = OwnerOf(bridge->external_ids);
    if (!owner.empty() && owner != desired.network)
      throw Error("bridge", desired.bridge, "belongs to vxnet network '" + owner + "'",
                  "give network '" + desired.network + "' its own bridge name");
    for (const auto& p : bridge->ports) {
      auto it = state.ports.find(p);
      const std::string port_owner = it == state.ports.end() ? "" : OwnerOf(it->second.external_ids);
      if (!port_owner.empty() && port_owner != desired.network)
        throw Error("bridge", desired.bridge, "carries tunnels of vxnet network '" + port_owner + "'",
                    "give network '" + desired.network + "' its own bridge name");
    }
    const bool owned = owner == desired.network;
    if (Normalized(bridge->datapath_type) != desired.datapath_type) {
      if (!owned)
        throw Error("bridge '" + desired.bridge + "' datapath_type", Normalized(bridge->datapath_type),
                    "differs from the network's datapath '" + desired.datapath_type + "' and vxnet did not create this bridge",
                    "change the network's datapath or the bridge's datapath_type");
      plan.set_datapath = desired.datapath_type;
    }
    CheckLocalPort(*bridge, state, owned, plan);
    if (desired.mtu && !plan.add_local_port) {
      const InterfaceRow* local = state.Interface(plan.local_interface_uuid);
      if (!local->mtu_request || *local->mtu_request != *desired.mtu) plan.set_mtu_request = desired.mtu;
      SaveMtuRequestIfForeign(*bridge, *local, desired.network, plan);
    }
  }

  // Every VXLAN interface not owned by this network, by the identity OVS
  // refuses to duplicate (computed once, not once per declared tunnel).
  std::map<std::string, const InterfaceRow*> foreign_by_identity;
  for (const auto& [uuid, iface] : state.interfaces)
    if (iface.type == "vxlan" && OwnerOf(iface.external_ids) != desired.network)
      foreign_by_identity.emplace(TunnelIdentity(iface.options), &iface);

  // Tunnels: keep, fix or add what is declared; remove what this network
  // owns and no longer declares.
  std::set<std::string> wanted;
  std::set<std::string> removed;
  for (const DesiredTunnel& t : desired.tunnels) {
    wanted.insert(t.name);
    const PortRow* port = index.Port(t.name);
    if (port && OwnerOf(port->external_ids) != desired.network) {
      const std::string owner = OwnerOf(port->external_ids);
      throw Error("port", t.name, owner.empty() ? "exists and was not made by vxnet" : "belongs to vxnet network '" + owner + "'",
                  "remove it or change the network's VNI, port or peers");
    }
    // A foreign tunnel with the same identity makes OVS refuse ours.
    if (auto it = foreign_by_identity.find(TunnelIdentity(t.Options())); it != foreign_by_identity.end()) {
      const InterfaceRow& iface = *it->second;
      const std::string owner = OwnerOf(iface.external_ids);
      throw Error("tunnel '" + iface.name + "'", "remote_ip=" + t.remote.ToString() + " key=" + std::to_string(t.key),
                  (owner.empty() ? std::string("is not vxnet's") : "belongs to vxnet network '" + owner + "'") +
                      " and already carries this peer, VNI and port; OVS refuses a second such tunnel",
                  owner.empty() ? "remove it (ovs-vsctl del-port " + iface.name + ") and start the network again"
                                : "give the networks different VNIs");
    }
    if (!port) {
      plan.add.push_back(t);
      continue;
    }
    const BridgeRow* on = index.BridgeOfPort(port->uuid);
    if (!on || on->name != desired.bridge) {
      // On another bridge (the network's bridge was renamed): move it.
      plan.remove.push_back({on ? on->uuid : "", port->uuid, port->name});
      removed.insert(port->uuid);
      plan.add.push_back(t);
      continue;
    }
    const InterfaceRow* iface = port->interfaces.size() == 1 ? state.Interface(port->interfaces[0]) : nullptr;
    if (!iface || iface->name != t.name || iface->type != "vxlan" || iface->options != t.Options() ||
        iface->bfd != t.Bfd() || !port->is_protected || iface->external_ids != TunnelExternalIds(desired.network, t)) {
      if (!iface || iface->name != t.name) {
        plan.remove.push_back({on->uuid, port->uuid, port->name});
        removed.insert(port->uuid);
        plan.add.push_back(t);
      } else {
        plan.update.push_back({port->uuid, iface->uuid, t});
      }
    }
  }
  // The veth end to an attached Linux bridge: an owned plain port.
  if (desired.attach_port) {
    const std::string& name = *desired.attach_port;
    wanted.insert(name);
    const PortRow* port = index.Port(name);
    if (port && OwnerOf(port->external_ids) != desired.network)
      throw Error("port", name, "exists and was not made by vxnet for network '" + desired.network + "'",
                  "remove it; vxnet names the veth end to the attached bridge this way");
    const BridgeRow* on = port ? index.BridgeOfPort(port->uuid) : nullptr;
    if (port && (!on || on->name != desired.bridge)) {
      plan.remove.push_back({on ? on->uuid : "", port->uuid, port->name});
      removed.insert(port->uuid);
      port = nullptr;
    }
    if (!port) plan.add_attach_port = name;
  }
  for (const auto& [uuid, port] : state.ports) {
    if (OwnerOf(port.external_ids) != desired.network || wanted.count(port.name) || port.name == desired.bridge ||
        removed.count(uuid))
      continue;
    if (const BridgeRow* on = index.BridgeOfPort(uuid)) {
      plan.remove.push_back({on->uuid, uuid, port.name});
      removed.insert(uuid);
    }
  }
  // The network's bridge under an old name goes with the last of its
  // ports; one that still carries ports not the network's (guests) stays.
  for (const auto& [uuid, b] : state.bridges) {
    if (b.name == desired.bridge || OwnerOf(b.external_ids) != desired.network) continue;
    if (std::all_of(b.ports.begin(), b.ports.end(), [&](const std::string& p) { return removed.count(p) > 0; }))
      plan.delete_old_bridges.push_back({uuid, b.name, b.ports});
  }
  // Checked last, so the more precise refusals above (a misnamed local
  // port, a duplicate tunnel) speak first.
  if (bridge && OwnerOf(bridge->external_ids) != desired.network) RefuseForeignPorts(*bridge, desired.network, state);
  return plan;
}

Plan PlanTeardown(const std::string& network, const std::string& bridge_name, const OvsState& state) {
  Plan plan;
  plan.network = network;
  plan.bridge_name = bridge_name;
  const OvsIndex index(state);
  std::set<std::string> removed;
  for (const auto& [uuid, port] : state.ports) {
    if (OwnerOf(port.external_ids) != network || port.name == bridge_name) continue;
    if (const BridgeRow* on = index.BridgeOfPort(uuid)) {
      plan.remove.push_back({on->uuid, uuid, port.name});
      removed.insert(uuid);
    }
  }
  if (const BridgeRow* bridge = index.Bridge(bridge_name)) {
    plan.bridge_uuid = bridge->uuid;
    plan.observed_bridge_ports = bridge->ports;
    if (OwnerOf(bridge->external_ids) == network) {
      plan.delete_bridge = std::all_of(bridge->ports.begin(), bridge->ports.end(), [&](const std::string& p) {
        auto it = state.ports.find(p);
        return it == state.ports.end() || it->second.name == bridge_name || removed.count(p) > 0;
      });
    } else {
      // Put back the mtu_request this network changed on a foreign bridge.
      const PortRow* local = index.Port(bridge_name);
      for (const auto& i : local ? local->interfaces : std::vector<std::string>{}) {
        const InterfaceRow* iface = state.Interface(i);
        if (!iface || iface->name != bridge_name) continue;
        auto borrower = iface->external_ids.find(kMtuBorrowerKey);
        auto saved = iface->external_ids.find(kSavedMtuRequestKey);
        if (borrower == iface->external_ids.end() || borrower->second != network || saved == iface->external_ids.end())
          continue;
        plan.local_interface_uuid = iface->uuid;
        std::optional<int> value;
        if (saved->second != "none") {
          try {
            value = static_cast<int>(ParseDecimal("saved mtu_request", saved->second));
          } catch (const Error&) {
          }
        }
        plan.restore_mtu_request = value;
      }
    }
  }
  return plan;
}

Plan PlanBridgeMtu(const std::string& network, const std::string& bridge_name, int mtu, const OvsState& state) {
  Plan plan;
  plan.network = network;
  plan.bridge_name = bridge_name;
  const BridgeRow* bridge = state.FindBridge(bridge_name);
  if (!bridge)
    throw Error("bridge", bridge_name, "does not exist in OVSDB", "restart the network: virsh net-destroy " + network +
                                                                      " && virsh net-start " + network);
  CheckLocalPort(*bridge, state, false, plan);
  const InterfaceRow* local = state.Interface(plan.local_interface_uuid);
  if (!local->mtu_request || *local->mtu_request != mtu) plan.set_mtu_request = mtu;
  SaveMtuRequestIfForeign(*bridge, *local, network, plan);
  return plan;
}

Plan PlanGuestPorts(const std::string& network, const std::string& bridge_name, const std::vector<GuestPort>& guests,
                    const OvsState& state) {
  Plan plan;
  plan.network = network;
  plan.bridge_name = bridge_name;
  const OvsIndex index(state);
  const BridgeRow* bridge = index.Bridge(bridge_name);
  if (!bridge)
    throw Error("bridge", bridge_name, "does not exist in OVSDB, so guest taps cannot be plugged into it",
                "reconcile the network first");
  plan.bridge_uuid = bridge->uuid;
  plan.observed_bridge_ports = bridge->ports;
  for (const GuestPort& g : guests)
    if (!g.tap.empty() && !index.Port(g.tap)) plan.plug_guests.push_back(g);
  return plan;
}

Transaction BuildTransaction(const Plan& plan, const DesiredNetwork& desired, const OvsState& state) {
  Transaction ops;
  const Json root_where = Json::array({Json::array({"_uuid", "==", data::Uuid(state.root_uuid)})});
  auto where_uuid = [](const std::string& uuid) {
    return Json::array({Json::array({"_uuid", "==", data::Uuid(uuid)})});
  };
  ops.Add({{"op", "comment"}, {"comment", "vxnet: network " + plan.network}});

  // Optimistic concurrency: the plan holds only if a bridge's ports are
  // still what was read. Otherwise the transaction fails and is re-planned.
  auto ports_unchanged = [&](const std::string& bridge_uuid, const std::vector<std::string>& ports) {
    std::vector<Json> observed;
    for (const auto& p : ports) observed.push_back(data::Uuid(p));
    ops.Add({{"op", "wait"}, {"timeout", 0}, {"table", "Bridge"}, {"where", where_uuid(bridge_uuid)},
                   {"columns", Json::array({"ports"})}, {"until", "=="},
                   {"rows", Json::array({Json{{"ports", data::UuidSet(observed)}}})}});
  };
  if (!plan.bridge_uuid.empty()) ports_unchanged(plan.bridge_uuid, plan.observed_bridge_ports);
  // And a former bridge is deleted only if nothing was added to it since.
  for (const auto& b : plan.delete_old_bridges) ports_unchanged(b.uuid, b.observed_ports);

  const StringMap owned{{kOwnerKey, plan.network}};
  std::vector<Json> new_ports;
  if (plan.create_bridge || plan.add_local_port) {
    Json iface{{"name", plan.bridge_name}, {"type", "internal"}, {"external_ids", data::Map(owned)}};
    if (desired.mtu) iface["mtu_request"] = *desired.mtu;
    ops.Add({{"op", "insert"}, {"table", "Interface"}, {"row", iface}, {"uuid-name", "local_iface"}});
    ops.Add({{"op", "insert"}, {"table", "Port"},
                   {"row", {{"name", plan.bridge_name}, {"interfaces", data::NamedUuid("local_iface")},
                            {"external_ids", data::Map(owned)}}},
                   {"uuid-name", "local_port"}});
    new_ports.push_back(data::NamedUuid("local_port"));
  }
  // The tunnels' rows, by the hundred: written straight into the text.
  for (std::size_t i = 0; i < plan.add.size(); ++i) {
    const DesiredTunnel& t = plan.add[i];
    const std::string iface_id = "tun_iface_" + std::to_string(i), port_id = "tun_port_" + std::to_string(i);
    const StringMap ids = TunnelExternalIds(plan.network, t);
    ops.AddInsert("Interface", iface_id, [&](RowWriter& row) {
      row.String("name", t.name)
          .String("type", "vxlan")
          .Map("options", t.Options())
          .Map("bfd", t.Bfd())
          .Map("external_ids", ids);
    });
    ops.AddInsert("Port", port_id, [&](RowWriter& row) {
      row.String("name", t.name).NamedUuid("interfaces", iface_id).Bool("protected", true).Map("external_ids", ids);
    });
    new_ports.push_back(data::NamedUuid(port_id));
  }
  for (const auto& u : plan.update) {
    const Json ids = data::Map(TunnelExternalIds(plan.network, u.tunnel));
    ops.Add({{"op", "update"}, {"table", "Interface"}, {"where", where_uuid(u.interface_uuid)},
                   {"row", {{"type", "vxlan"}, {"options", data::Map(u.tunnel.Options())},
                            {"bfd", data::Map(u.tunnel.Bfd())}, {"external_ids", ids}}}});
    ops.Add({{"op", "update"}, {"table", "Port"}, {"where", where_uuid(u.port_uuid)},
                   {"row", {{"protected", true}, {"external_ids", ids}}}});
  }

  if (plan.add_attach_port) {
    ops.Add({{"op", "insert"}, {"table", "Interface"},
                   {"row", {{"name", *plan.add_attach_port}, {"external_ids", data::Map(owned)}}},
                   {"uuid-name", "attach_iface"}});
    ops.Add({{"op", "insert"}, {"table", "Port"},
                   {"row", {{"name", *plan.add_attach_port}, {"interfaces", data::NamedUuid("attach_iface")},
                            {"external_ids", data::Map(owned)}}},
                   {"uuid-name", "attach_port"}});
    new_ports.push_back(data::NamedUuid("attach_port"));
  }
  for (std::size_t i = 0; i < plan.plug_guests.size(); ++i) {
    const GuestPort& g = plan.plug_guests[i];
    StringMap ids{{"attached-mac", g.mac}, {"iface-status", "active"}};
    if (!g.interface_id.empty()) ids["iface-id"] = g.interface_id;
    if (!g.vm_uuid.empty()) ids["vm-id"] = g.vm_uuid;
    const std::string iface_id = "guest_iface_" + std::to_string(i), port_id = "guest_port_" + std::to_string(i);
    ops.Add({{"op", "insert"}, {"table", "Interface"},
                   {"row", {{"name", g.tap}, {"external_ids", data::Map(ids)}}}, {"uuid-name", iface_id}});
    ops.Add({{"op", "insert"}, {"table", "Port"},
                   {"row", {{"name", g.tap}, {"interfaces", data::NamedUuid(iface_id)}}}, {"uuid-name", port_id}});
    new_ports.push_back(data::NamedUuid(port_id));
  }
  if (plan.create_bridge) {
    ops.Add({{"op", "insert"}, {"table", "Bridge"},
                   {"row", {{"name", plan.bridge_name}, {"datapath_type", desired.datapath_type},
                            {"ports", data::UuidSet(new_ports)}, {"external_ids", data::Map(owned)}}},
                   {"uuid-name", "bridge"}});
    ops.Add({{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", root_where},
                   {"mutations", Json::array({Json::array({"bridges", "insert", data::UuidSet({data::NamedUuid("bridge")})})})}});
  } else if (!plan.bridge_uuid.empty()) {
    if (!new_ports.empty())
      ops.Add({{"op", "mutate"}, {"table", "Bridge"}, {"where", where_uuid(plan.bridge_uuid)},
                     {"mutations", Json::array({Json::array({"ports", "insert", data::UuidSet(new_ports)})})}});
    if (plan.set_datapath)
      ops.Add({{"op", "update"}, {"table", "Bridge"}, {"where", where_uuid(plan.bridge_uuid)},
                     {"row", {{"datapath_type", *plan.set_datapath}}}});
  }
  if (plan.set_mtu_request)
    ops.Add({{"op", "update"}, {"table", "Interface"}, {"where", where_uuid(plan.local_interface_uuid)},
                   {"row", {{"mtu_request", *plan.set_mtu_request}}}});
  if (plan.save_mtu_request)
    ops.Add({{"op", "mutate"}, {"table", "Interface"}, {"where", where_uuid(plan.local_interface_uuid)},
                   {"mutations", Json::array({Json::array({"external_ids", "insert",
                                                           data::Map({{kSavedMtuRequestKey, *plan.save_mtu_request},
                                                                      {kMtuBorrowerKey, plan.network}})})})}});
  if (plan.restore_mtu_request) {
    const Json value = *plan.restore_mtu_request ? Json(**plan.restore_mtu_request) : data::EmptySet();
    ops.Add({{"op", "update"}, {"table", "Interface"}, {"where", where_uuid(plan.local_interface_uuid)},
                   {"row", {{"mtu_request", value}}}});
    ops.Add({{"op", "mutate"}, {"table", "Interface"}, {"where", where_uuid(plan.local_interface_uuid)},
                   {"mutations", Json::array({Json::array({"external_ids", "delete",
                                                           Json::array({"set", Json::array({kSavedMtuRequestKey,
                                                                                            kMtuBorrowerKey})})})})}});
  }

  // Removals, grouped per bridge; unreferenced Port/Interface rows are
  // garbage-collected by OVSDB.
  std::map<std::string, std::vector<Json>> removals;
  for (const auto& r : plan.remove) removals[r.bridge_uuid].push_back(data::Uuid(r.port_uuid));
  for (const auto& [bridge_uuid, ports] : removals)
    ops.Add({{"op", "mutate"}, {"table", "Bridge"}, {"where", where_uuid(bridge_uuid)},
                   {"mutations", Json::array({Json::array({"ports", "delete", data::UuidSet(ports)})})}});
  // Bridges to delete (the network's, its former ones), in one mutation.
  std::vector<Json> gone;
  if (plan.delete_bridge) gone.push_back(data::Uuid(plan.bridge_uuid));
  for (const auto& b : plan.delete_old_bridges) gone.push_back(data::Uuid(b.uuid));
  if (!gone.empty())
    ops.Add({{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", root_where},
                   {"mutations", Json::array({Json::array({"bridges", "delete", data::UuidSet(gone)})})}});

  for (const Json& op : NextCfgOperations(state.root_uuid)) ops.Add(op);
  return ops;
}

Json NextCfgOperations(const std::string& root_uuid) {
  const Json root_where = Json::array({Json::array({"_uuid", "==", data::Uuid(root_uuid)})});
  // Ask ovs-vswitchd to confirm: it copies next_cfg to cur_cfg once applied.
  return Json::array({Json{{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", root_where},
                           {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}},
                      // The new next_cfg to wait for, and cur_cfg to wait from (AwaitApplied).
                      Json{{"op", "select"}, {"table", "Open_vSwitch"}, {"where", root_where},
                           {"columns", Json::array({"next_cfg", "cur_cfg"})}}});
}

}  // namespace vxnet::ovs
