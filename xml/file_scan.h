#pragma once
// "Is this vxnet's?" for a network or domain document too large (or too
// broken) to parse whole: read as a stream of SAX events, in bounded memory,
// stopping as soon as the answer is known, within a deadline. The hook asks
// this of what it has of its stdin and of libvirt's own file for the object
// its arguments name, when its stdin cannot be parsed (larger than
// kMaxXmlBytes, cut off): a vxnet network or guest is then refused by name
// instead of passing unchecked.
//
// Hardened as XmlDoc::Parse is: a DOCTYPE ends the read (no entity is ever
// declared, let alone expanded), nothing is fetched, and only regular files
// are opened (never a FIFO that could block).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/deadline.h"

namespace vxnet {

// A network as libvirt writes it: <network> (a definition,
// CONFIG/qemu/networks/NAME.xml), <networkstatus><network> (the status
// file, STATE/network/NAME.xml) or <hookData><network> (the hook's stdin).
// Whether its <metadata> holds an element in vxnet's namespace (the test of
// LibvirtNetwork::managed()); nullopt when that cannot be told: absent or
// unreadable, not well-formed or cut off before the answer, another kind of
// document, a DOCTYPE, or the deadline passed first.
std::optional<bool> NetworkTextIsVxnets(std::string_view text, const Deadline& deadline);
std::optional<bool> NetworkFileIsVxnets(const std::string& path, const Deadline& deadline);

// A domain as libvirt writes it: <domain> (the qemu hook's stdin, the
// definition CONFIG/qemu/NAME.xml) or <domstatus><domain>. The source
// network of each <interface type='network'> read, in document order;
// `complete` when the whole domain was read (else `networks` holds those
// before the point where reading stopped).
struct DomainNetworks {
  std::vector<std::string> networks;
  bool complete = false;
};
DomainNetworks DomainTextNetworks(std::string_view text, const Deadline& deadline);
DomainNetworks DomainFileNetworks(const std::string& path, const Deadline& deadline);

}  // namespace vxnet
