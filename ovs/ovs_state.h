#pragma once
// What OVSDB holds that the reconcile cares about, as plain data: read in
// one transaction (ReadState), then planned on without further I/O, so the
// planning logic is unit-tested on hand-built states.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.h"
#include "ovs/ovsdb_client.h"

namespace vxnet::ovs {

using StringMap = std::map<std::string, std::string>;

struct InterfaceRow {
  std::string uuid, name, type;
  StringMap options, external_ids;
  std::optional<std::int64_t> mtu_request;
  std::string error;                  // empty when OVS reports none
  std::optional<std::int64_t> ofport;  // -1: failed; unset: not yet applied
  std::string link_state;              // "up", "down", or "" when unknown
  StringMap bfd, bfd_status;           // BFD configuration and its state
};

struct PortRow {
  std::string uuid, name;
  std::vector<std::string> interfaces;
  bool is_protected = false;
  StringMap external_ids;
};

struct BridgeRow {
  std::string uuid, name, datapath_type;
  std::vector<std::string> ports;
  StringMap external_ids;
};

struct OvsState {
  std::string root_uuid;  // the Open_vSwitch row
  std::int64_t next_cfg = 0, cur_cfg = 0;
  std::map<std::string, BridgeRow> bridges;  // by uuid
  std::map<std::string, PortRow> ports;
  std::map<std::string, InterfaceRow> interfaces;

  const BridgeRow* FindBridge(const std::string& name) const;
  const PortRow* FindPort(const std::string& name) const;
  const BridgeRow* BridgeOfPort(const std::string& port_uuid) const;
  const InterfaceRow* Interface(const std::string& uuid) const;
};

// Lookups by name and by port, built once per plan: the state is read-only
// while planned on, and 1024 tunnels must not cost 1024 scans.
struct OvsIndex {
  explicit OvsIndex(const OvsState& state);
  std::map<std::string, const PortRow*> port_by_name;
  std::map<std::string, const BridgeRow*> bridge_by_name;
  std::map<std::string, const BridgeRow*> bridge_of_port;  // by port uuid

  const PortRow* Port(const std::string& name) const;
  const BridgeRow* Bridge(const std::string& name) const;
  const BridgeRow* BridgeOfPort(const std::string& port_uuid) const;
};

// One "transact" of four selects. Throws Error when OVSDB cannot be read;
// when a select fails, the server's schema is fetched to say precisely
// which column an older Open vSwitch lacks (no get_schema round trip on
// the normal path).
OvsState ReadState(OvsdbClient& client, const Deadline& deadline);

// Refuses (Error) an Open vSwitch whose schema lacks a column vxnet uses.
void CheckSchema(OvsdbClient& client, const Deadline& deadline);
// The same check on a schema document already fetched (get_schema's result).
void CheckSchemaDocument(const Json& schema);

// RFC 7047 <value> encodings. Decoding never throws: what is not the
// expected encoding decodes as empty.
namespace data {
Json Uuid(const std::string& uuid);
Json NamedUuid(const std::string& name);
Json UuidSet(const std::vector<Json>& uuids);
Json EmptySet();
Json Map(const StringMap& map);
std::vector<std::string> DecodeUuidSet(const Json& value);
StringMap DecodeMap(const Json& value);
}  // namespace data

}  // namespace vxnet::ovs
