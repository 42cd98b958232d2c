#pragma once
// What the hook decided when it started a network, kept for the network's
// life in STATE_DIR/network/NAME.json (per boot, like an active network).
//
// The overlay MTU is decided once, at start: port-created re-asserts the
// recorded value instead of recomputing it, so a route flapping at a guest's
// start neither refuses the guest nor gives the taps of one network
// different MTUs; vxnetctl status compares it with today's underlay. The
// address and veth let 'stopped' remove what start made even when the
// network's metadata can no longer be read (e.g. written by another vxnet).
#include <optional>
#include <string>
#include <vector>

#include "common/ip_address.h"

namespace vxnet::engine {

// What an OVN-mode start joined, so 'stopped' and port-deleted find it
// whatever the metadata says by then.
struct OvnRecord {
  std::string nb;              // the Northbound DB remotes used
  std::string logical_switch;  // the switch joined
  std::string chassis;         // this host's system-id (the chassis name)

  bool operator==(const OvnRecord&) const = default;
};

struct RunRecord {
  std::string network;
  std::string bridge;
  std::optional<int> overlay_mtu;
  std::optional<Cidr> address;            // the host's overlay address
  std::optional<std::string> attach_veth;  // the OVS end of the veth pair
  std::string spec_digest;                 // of the network spec applied
  std::optional<OvnRecord> ovn;            // set for a network in OVN mode

  bool operator==(const RunRecord&) const = default;
};

std::string RunRecordPath(const std::string& state_dir, const std::string& network);

// nullopt when absent or unreadable (a record is a help, never a condition).
std::optional<RunRecord> ReadRunRecord(const std::string& state_dir, const std::string& network);
// Atomically and durably (common/atomic_file.h); throws Error naming the file.
void WriteRunRecord(const std::string& state_dir, const RunRecord& record);
// Idempotent; never throws.
void RemoveRunRecord(const std::string& state_dir, const std::string& network);

// The guest interfaces on vxnet networks the qemu hook admitted at
// 'prepare' (which sees the whole domain, also on an incoming migration or
// a restore), kept in STATE_DIR/guest/UUID.json until 'release'. At
// port-created an interface found here was checked; one that is not, on a
// domain that is already running, is being hot-plugged, which no hook can
// check (libvirt gives port-created no MTU and no domain XML).
struct AdmittedInterface {
  std::string mac;  // lower case
  std::string network;
  std::optional<long long> declared_mtu;  // <mtu size=…>, nullopt: none

  bool operator==(const AdmittedInterface&) const = default;
};
struct GuestRecord {
  std::string domain, uuid;
  std::vector<AdmittedInterface> interfaces;

  const AdmittedInterface* Find(const std::string& mac) const;
  bool operator==(const GuestRecord&) const = default;
};

std::optional<GuestRecord> ReadGuestRecord(const std::string& state_dir, const std::string& uuid);
void WriteGuestRecord(const std::string& state_dir, const GuestRecord& record);  // throws Error
void RemoveGuestRecord(const std::string& state_dir, const std::string& uuid);   // never throws

}  // namespace vxnet::engine
