// libFuzzer target: whatever arrives on the hook's stdin, and the same bytes
// as a network or domain document. Must never crash, hang or leak; and any
// network that parses and validates must survive format -> parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "xml/domain_xml.h"
#include "xml/hook_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    vxnet::HookData hook = vxnet::ParseHookData(text);
    if (hook.network.managed() && vxnet::ValidateNetwork(hook.network).empty()) {
      const vxnet::NetworkSpec& spec = *hook.network.spec;
      vxnet::LibvirtNetwork again = vxnet::ParseNetworkXml(vxnet::FormatNetworkXml(spec));
      if (!again.spec || !(*again.spec == spec)) std::abort();  // round trip broken
    }
  } catch (const vxnet::Error&) {
  }
  try {
    vxnet::ParseNetworkXml(text);
  } catch (const vxnet::Error&) {
  }
  try {
    vxnet::ParseDomainXml(text);
  } catch (const vxnet::Error&) {
  }
  return 0;
}
