#include "gen/generator.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "builtin_templates.h"
#include "version.h"
#include "xml/network_xml.h"
#include "xml/validation.h"

namespace vxnet::gen {

namespace {

std::string ReadTemplate(const std::string& dir, const std::string& name) {
  if (dir.empty()) return kBuiltinInterfaceTemplate;  // the only template so far
  const std::string path = dir + "/" + name;
  std::ifstream in(path);
  if (!in)
    throw Error("template", path, "cannot be read",
                "check VXNET_TEMPLATE_DIR, or unset it to use the built-in templates");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void Substitute(std::string& text, std::string_view key, const std::string& value) {
  for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + value.size()))
    text.replace(pos, key.size(), value);
}

}  // namespace

std::string GenerateNetwork(const NetworkSpec& spec) {
  std::vector<Error> errors = ValidateSpec(spec);
  if (!errors.empty()) throw errors.front();
  return FormatNetworkXml(spec);
}

std::string GenerateInterface(std::string_view network, long long mtu, const std::string& template_dir) {
  if (auto e = CheckNetworkName(network)) throw *e;
  if (auto e = CheckMtu("guest MTU", mtu)) throw *e;
  std::string text = ReadTemplate(template_dir, "interface.xml");
  // Both values were validated above to hold no XML-special characters.
  Substitute(text, "@NETWORK@", std::string(network));
  Substitute(text, "@MTU@", std::to_string(mtu));
  return text;
}

std::string UuidFrom(const std::string& source, const std::string& uri) {
  if (std::ifstream file{source}) {
    std::ostringstream text;
    text << file.rdbuf();
    const LibvirtNetwork net = ParseNetworkXml(text.str());
    if (net.uuid.empty()) throw Error("network file", source, "has no <uuid>", "take it from 'virsh net-dumpxml NETWORK'");
    return net.uuid;
  }
  const std::optional<std::string> uuid = LibvirtNetworkUuid(source, uri);
  if (!uuid)
    throw Error("--uuid-from", source, "is neither a file nor a network of " + uri, "see 'virsh net-list --all'");
  return *uuid;
}

CheckResult CheckNetwork(std::string_view xml, const std::string& schema_path, bool use_libvirt) {
  LibvirtNetwork net;
  try {
    net = ParseNetworkXml(xml);
  } catch (const Error& e) {
    return {CheckResult::kInvalid, e.what()};
  }
  if (!net.managed()) return {CheckResult::kNotManaged, UnmanagedReason(net)};

  // vxnet's rules first: their messages are the most specific.
  std::vector<Error> errors = ValidateNetwork(net);
  if (!errors.empty()) {
    std::string line = errors.front().what();
    if (errors.size() > 1) line += " (and " + std::to_string(errors.size() - 1) + " more problems)";
    return {CheckResult::kInvalid, line};
  }
  std::string notes;
  LayerResult schema = ValidateAgainstSchema(xml, schema_path);
  if (schema.status == LayerResult::Status::kInvalid) return {CheckResult::kInvalid, schema.message};
  if (schema.status == LayerResult::Status::kUnavailable) notes += "; schema check skipped: " + schema.message;
  if (use_libvirt) {
    LayerResult lv = ValidateWithLibvirt(xml);
    if (lv.status == LayerResult::Status::kInvalid) return {CheckResult::kInvalid, lv.message};
    if (lv.status == LayerResult::Status::kUnavailable) notes += "; libvirt check skipped: " + lv.message;
  } else {
    notes += "; libvirt check skipped (--no-libvirt)";
  }
  return {CheckResult::kValid, "network '" + net.name + "': valid vxnet network" + notes};
}

std::string DefaultTemplateDir() {
  const char* env = std::getenv("VXNET_TEMPLATE_DIR");
  if (env && *env) return env;
  const std::string installed = std::string(kTemplateDir) + "/interface.xml";
  return access(installed.c_str(), F_OK) == 0 ? kTemplateDir : "";
}

}  // namespace vxnet::gen
