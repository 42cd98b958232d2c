#pragma once
// What OVSDB holds that the reconcile cares about, as plain data: read in
// one transaction (ReadState), then planned on without further I/O, so the
// planning logic is unit-tested on hand-built states.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
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
  // Read with a ReadScope: holds only the rows the scope names (see there);
  // false for ReadState without one (whole tables).
  bool partial = false;
  // Interfaces read only for the duplicate-tunnel check (name, type,
  // options, external_ids): completed like missing ones when they turn out
  // to be the bridge's.
  std::set<std::string> narrow_interfaces;

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

// What one network's plan needs to see, so that a run reads its own rows
// and those that could conflict (OVSDB `where` clauses and column lists)
// instead of whole tables. Always: the Open_vSwitch row, the bridge named
// `bridge`, and the port and interface of that name (the bridge's local
// port, or a port that clashes with the name).
struct ReadScope {
  std::string network;  // the owner: external_ids vxnet-network=network
  std::string bridge;
  std::optional<std::string> attach_port;  // also looked up by name
  // Every port and interface this network owns, wherever they are, and
  // the bridges it made.
  bool owned = true;
  // Every VXLAN interface this network does not own, with its options:
  // what the duplicate-tunnel check compares declared tunnels against.
  bool vxlan_identities = true;
  // The bridge whole: each of its ports, and each interface of every port
  // read (guest taps, an operator's ports, the misnamed local port), by
  // uuid in at most two more transactions, sent only when the first one
  // left some out. The foreign-bridge, other-network and local-port checks
  // and teardown's "is the bridge empty" need them. In the same
  // transactions, the bridge of every port read that is on none of the
  // bridges read (an own tunnel left on a bridge vxnet did not make, a
  // port of the bridge's name elsewhere), by `ports includes`.
  bool whole_bridge = true;
  // With vxlan_identities: when set, only the tunnels whose options:key is
  // this (the network's VNI), since one with another key is never a
  // duplicate. Unset for VNI 0, which a tunnel without a key option has.
  std::optional<std::string> vxlan_key;

  bool operator==(const ReadScope&) const = default;
};

// The rows `scope` names, in one transaction plus the completion above.
// The result is `partial`: a port with a declared tunnel's name on some
// other bridge, foreign and not vxlan, is not read; inserting the tunnel
// then fails on OVSDB's unique name index and the caller reads everything
// (Converge does). Same schema handling as ReadState.
OvsState ReadState(OvsdbClient& client, const ReadScope& scope, const Deadline& deadline);

// The same read in two halves: its first transaction sent at once, the
// rest when the state is wanted, so that OVSDB answers while the caller
// does its own work.
struct PendingRead {
  ReadScope scope;
  Json operations;  // the first transaction, as sent
  long long id = 0;
};
PendingRead StartRead(OvsdbClient& client, const ReadScope& scope, const Deadline& deadline);
OvsState FinishRead(OvsdbClient& client, const PendingRead& read, const Deadline& deadline);

// The first transaction of ReadState(scope), and the selects that
// complete a scoped state: the bridge's ports it lacks, the interfaces of
// its ports it lacks, the bridges of ports it read on no bridge it read;
// empty when nothing is missing.
Json ScopedReadOperations(const ReadScope& scope);
Json CompletionOperations(const OvsState& state, const std::string& bridge);
// Adds the rows of one select result (`op` as sent) to `state`; rows seen
// with fewer columns never replace rows read whole.
void MergeSelectResult(OvsState& state, const Json& op, const Json& result);

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
