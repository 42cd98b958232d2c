#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>

#include "xml/network_xml.h"
#include "xml/validation.h"

namespace vxnet {

namespace {

void SilenceLibvirt(void*, virErrorPtr) {}  // errors are read, not printed

std::string LastLibvirtError() {
  const char* msg = virGetLastErrorMessage();
  return Printable(msg ? msg : "unknown libvirt error", 300);
}

struct ConnClose {
  void operator()(virConnect* c) const { virConnectClose(c); }
};
struct NetFree {
  void operator()(virNetwork* n) const {
    virNetworkUndefine(n);
    virNetworkFree(n);
  }
};

}  // namespace

LayerResult ValidateWithLibvirt(std::string_view xml) {
  virSetErrorFunc(nullptr, SilenceLibvirt);
  // test:///default is an in-process driver: state is private to this
  // connection and nothing on the host is touched.
  std::unique_ptr<virConnect, ConnClose> conn(virConnectOpen("test:///default"));
  if (!conn)
    return {LayerResult::Status::kUnavailable,
            "libvirt's test driver could not be opened: " + LastLibvirtError()};
  const std::string text(xml);
  std::unique_ptr<virNetwork, NetFree> net(
      virNetworkDefineXMLFlags(conn.get(), text.c_str(), VIR_NETWORK_DEFINE_VALIDATE));
  if (!net) return {LayerResult::Status::kInvalid, "libvirt rejects the network: " + LastLibvirtError()};

  char* dumped = virNetworkGetXMLDesc(net.get(), 0);
  if (!dumped) return {LayerResult::Status::kInvalid, "libvirt cannot format the network: " + LastLibvirtError()};
  const std::string round_trip(dumped);
  free(dumped);

  // libvirt adds a uuid and may reorder; what must survive is the spec.
  LibvirtNetwork before = ParseNetworkXml(xml);
  LibvirtNetwork after = ParseNetworkXml(round_trip);
  if (before.spec) {
    if (!after.spec)
      return {LayerResult::Status::kInvalid, "libvirt dropped the vxnet metadata on net-define"};
    NetworkSpec expected = *before.spec;
    expected.uuid = after.spec->uuid;
    if (!(expected == *after.spec))
      return {LayerResult::Status::kInvalid, "libvirt changed the vxnet metadata on net-define"};
  }
  return {};
}

std::optional<std::string> LibvirtNetworkUuid(const std::string& name, const std::string& uri) {
  virSetErrorFunc(nullptr, SilenceLibvirt);
  std::unique_ptr<virConnect, ConnClose> conn(virConnectOpenReadOnly(uri.c_str()));
  if (!conn) throw Error("libvirt", uri, "cannot be reached: " + LastLibvirtError(), "is libvirtd running?");
  virNetworkPtr net = virNetworkLookupByName(conn.get(), name.c_str());
  if (!net) return std::nullopt;
  char uuid[VIR_UUID_STRING_BUFLEN];
  const int rc = virNetworkGetUUIDString(net, uuid);
  virNetworkFree(net);
  if (rc < 0) throw Error("libvirt network", name, "has no readable UUID: " + LastLibvirtError());
  return std::string(uuid);
}

}  // namespace vxnet
