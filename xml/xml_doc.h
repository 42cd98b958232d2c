#pragma once
// The only way vxnet reads XML. The hook runs as root on whatever libvirt
// (or a user) hands it, so parsing is hardened: a size limit, no network
// access, no DTD at all (hence no entity expansion and no external
// references), and failures reported as one line with the line number.
#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace vxnet {

// The one size limit of every XML document vxnet reads, the hook's stdin
// included (hook/input.h reads no more): what is read can be parsed, so a
// vxnet object is never read whole and then passed as unreadable. libvirt
// hands its API definitions of at most 4 MiB (REMOTE_STRING_MAX) and its
// own formatting makes them larger (a 656 KiB network of 24000 portgroups
// reaches the hook as 1.15 MB), so 16 MiB leaves room; parsing 16 MiB of
// the densest such XML takes about 1 s and 260 MB, so the run stays within
// its deadline. A larger object is judged by file_scan.h and, when it is
// vxnet's, refused by name.
inline constexpr std::size_t kMaxXmlBytes = 16u << 20;  // 16 MiB

// Reads at most kMaxXmlBytes + 1 bytes of `path` (one more than allowed, so
// that XmlDoc::Parse names an oversized file); nullopt when there is no
// such file. Throws Error when the file exists but cannot be read
// (permissions, a directory, an I/O error): that is no "absent".
std::optional<std::string> ReadXmlFile(const std::string& path);

class XmlDoc {
 public:
  // what: names the input in errors ("network XML", "hook stdin").
  // Throws Error on anything but a well-formed, DTD-free document.
  static XmlDoc Parse(std::string_view text, std::string_view what);
  // An empty document to build into (for formatting).
  static XmlDoc Empty();

  xmlDoc* get() const { return doc_.get(); }
  const xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }

 private:
  struct Free {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
  };
  std::unique_ptr<xmlDoc, Free> doc_;
};

// Read helpers for element trees; names are compared without namespace
// unless ns is given.
bool IsElement(const xmlNode* node, std::string_view name, const char* ns = nullptr);
std::vector<const xmlNode*> ChildElements(const xmlNode* parent);
const xmlNode* FirstChild(const xmlNode* parent, std::string_view name);
std::optional<std::string> Attribute(const xmlNode* node, const char* name);
std::string Text(const xmlNode* node);
std::string NodeName(const xmlNode* node);
// Serialises one element (and its subtree), indented, without declaration.
std::string Dump(const XmlDoc& doc, const xmlNode* node);

}  // namespace vxnet
