#pragma once
// libvirt's entry: argv + stdin in, an Outcome out. main.cc turns the
// Outcome into an exit status, the one stderr line libvirt shows the user,
// and a log line. The work itself is the engine's (engine/).
//
// One program serves two roles, told apart by the path libvirt runs it as:
//   /etc/libvirt/hooks/network (or network.d/*):  NETWORK OP SUB-OP -
//   /etc/libvirt/hooks/qemu (or qemu.d/*):        DOMAIN OP SUB-OP EXTRA
//
// The contract (vxnet-hook(8), "EXIT STATUS"): a call may end non-zero
// only when it admits something onto a vxnet network (network start,
// started, port-created, updated of an active vxnet network; qemu prepare
// of a domain with an interface on one) and only once the hook knows the
// call concerns vxnet. Whether it does is decided first, from argv and the
// least possible reading of stdin; input it cannot read is judged by
// libvirt's own file for the object argv names (RunNetworkHookUnread), and
// is not known to be vxnet's when that cannot tell either. Every other call
// exits 0 whatever happens, and logs why.
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"
#include "engine/config.h"
#include "engine/outcome.h"
#include "net/host_network.h"
#include "xml/hook_data.h"

namespace vxnet::hook {

using engine::Outcome;

enum class Role { kNetwork, kQemu };
// From argv[0]: basename "qemu" or a parent directory "qemu.d" is the qemu
// hook; anything else the network hook.
Role RoleFromPath(std::string_view argv0);

// The network operations libvirt sends (argv[2]).
enum class Operation { kStart, kStarted, kStopped, kPortCreated, kPortDeleted, kUpdated, kUnknown };
Operation ParseOperation(std::string_view op);

// Is the network hook's stdin about a vxnet network? Cheapest test first:
// vxnet's namespace URI must appear in the text (libvirt writes metadata
// back as it was given), so most networks are told apart without parsing.
enum class Claim { kNotVxnet, kUnreadable, kVxnet };
struct NetworkClaim {
  Claim claim = Claim::kNotVxnet;
  std::optional<HookData> data;  // kVxnet: the parsed input
  std::string why;               // kUnreadable: the parse error
};
NetworkClaim ClaimNetworkInput(std::string_view stdin_text);

// What a run works with. `run` is the one deadline of the whole process
// (stdin, operation, undo), counted from its start.
struct HookEnv {
  const engine::Config& config;
  net::HostNetwork& host;
  Deadline run;
};

// args: argv[1..] as libvirt passes them: network, op, sub-op, "-".
Outcome RunNetworkHook(const std::vector<std::string>& args, std::string_view stdin_text, HookEnv& env);
// args: argv[1..]: domain, op, sub-op, extra. Acts on "prepare begin".
Outcome RunQemuHook(const std::vector<std::string>& args, std::string_view stdin_text, HookEnv& env);

// When stdin does not tell: it could not be read whole (`why`: larger than
// kMaxXmlBytes, not closed within the deadline, a read error; `partial` is
// what was read), or the complete input cannot be parsed. The object's name
// is in argv, and what the hook has of stdin, then libvirt's own file for
// that name, say whether it is vxnet's (xml/file_scan.h): for a network
// its status file while it is active, else its definition; for a domain
// its definition, and then each of its networks' status files. A vxnet
// network is refused by name at start, started and a live updated (never
// left active unbuilt) and torn down from its run record at stopped; a
// domain with an interface on an active vxnet network is refused at
// prepare (never started with its MTU unchecked). Whatever is not known to
// be vxnet's passes with exit 0, and the log says why.
Outcome RunNetworkHookUnread(const std::vector<std::string>& args, std::string_view partial, const std::string& why,
                             HookEnv& env);
Outcome RunQemuHookUnread(const std::vector<std::string>& args, std::string_view partial, const std::string& why,
                          HookEnv& env);

// Whether a call of this role and argv might be vxnet's at all, before
// stdin is read (operations vxnet never acts on are not).
bool MayConcernVxnet(Role role, const std::vector<std::string>& args);

}  // namespace vxnet::hook
