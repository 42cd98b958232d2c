// vxnet-hook: installed as /etc/libvirt/hooks/network. libvirt runs it as
//   network NAME OPERATION SUB-OPERATION -
// with <hookData> on stdin, and shows its stderr to the user on failure.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "hook/hook.h"
#include "version.h"
#include "xml/xml_doc.h"

namespace {

constexpr const char* kHelp =
    "Usage: vxnet-hook NETWORK OPERATION SUB-OPERATION -\n"
    "\n"
    "libvirt's network hook for vxnet overlays. libvirt runs it with the\n"
    "network's name and the operation (start, started, stopped, port-created,\n"
    "port-deleted, updated) and writes <hookData> to its standard input.\n"
    "Networks without vxnet metadata pass untouched (exit 0).\n"
    "\n"
    "Install as /etc/libvirt/hooks/network, then restart libvirtd.\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help and exit\n"
    "  --version      show the version and exit\n"
    "\n"
    "See vxnet-hook(8).\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.empty() && args[0] == "--version") {
    std::cout << "vxnet-hook " << vxnet::kVersion << "\n";
    return 0;
  }
  std::string input(vxnet::kMaxXmlBytes + 1, '\0');
  std::cin.read(input.data(), static_cast<std::streamsize>(input.size()));
  input.resize(static_cast<std::size_t>(std::cin.gcount()));

  vxnet::hook::Config config;
  try {
    // Tests point these elsewhere; libvirt clears the environment, so in
    // production the config file is what counts.
    const char* config_path = std::getenv("VXNET_CONFIG");
    config = vxnet::hook::LoadConfig(config_path && *config_path ? config_path : vxnet::hook::kDefaultConfigPath);
    if (const char* ovsdb = std::getenv("VXNET_OVSDB"); ovsdb && *ovsdb) config.ovsdb = ovsdb;
  } catch (const vxnet::Error& e) {
    std::cerr << "vxnet: " << e.what() << "\n";
    return 1;
  }

  const vxnet::hook::Outcome outcome = vxnet::hook::RunNetworkHook(args, input, config);
  for (const auto& note : outcome.notes) std::cout << "vxnet: " << note << "\n";
  if (!outcome.message.empty()) std::cerr << outcome.message << "\n";
  return outcome.exit_status;
}
