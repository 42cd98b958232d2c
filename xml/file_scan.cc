#include "xml/file_scan.h"

#include <fcntl.h>
#include <libxml/parser.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "xml/network_xml.h"

namespace vxnet {

namespace {

enum class Want { kVxnetMetadata, kInterfaceNetworks };

// What the SAX callbacks see, as far as the question needs. Depths count
// from 1 at the root; `object` is the depth of <network> or <domain>.
struct Scan {
  explicit Scan(Want w) : want(w) {}
  Want want;
  xmlParserCtxt* ctxt = nullptr;
  int depth = 0;
  int object = 0;
  bool wrapper_root = false;  // <networkstatus>, <hookData> or <domstatus>
  bool failed = false;       // not the document asked about, or a DOCTYPE
  bool done = false;         // the answer is known
  // kVxnetMetadata
  bool in_metadata = false;
  bool vxnet = false;
  // kInterfaceNetworks
  bool in_devices = false;
  bool in_interface = false;
  bool network_interface = false;
  std::string source_network;
  std::vector<std::string> networks;

  void Stop() {
    done = true;
    xmlStopParser(ctxt);
  }
  void Fail() {
    failed = true;
    Stop();
  }
};

bool Is(const xmlChar* name, std::string_view want) { return name && want == reinterpret_cast<const char*>(name); }

// attributes: nb_attributes groups of (localname, prefix, URI, value, end).
std::optional<std::string> Attr(int nb_attributes, const xmlChar** attributes, std::string_view name) {
  for (int i = 0; i < nb_attributes; ++i) {
    const xmlChar** a = attributes + 5 * i;
    if (a[2] == nullptr && Is(a[0], name))
      return std::string(reinterpret_cast<const char*>(a[3]), static_cast<std::size_t>(a[4] - a[3]));
  }
  return std::nullopt;
}

void StartElement(void* user, const xmlChar* localname, const xmlChar*, const xmlChar* uri, int, const xmlChar**,
                  int nb_attributes, int, const xmlChar** attributes) {
  Scan& s = *static_cast<Scan*>(user);
  if (s.done) return;
  ++s.depth;
  const bool plain = uri == nullptr;  // libvirt's own elements carry no namespace
  const char* object = s.want == Want::kVxnetMetadata ? "network" : "domain";
  const bool wrapper = s.want == Want::kVxnetMetadata ? Is(localname, "networkstatus") || Is(localname, "hookData")
                                                       : Is(localname, "domstatus");
  if (s.object == 0) {
    if (s.depth == 1 && plain && Is(localname, object)) {
      s.object = 1;
    } else if (s.depth == 1 && plain && wrapper) {
      s.wrapper_root = true;
    } else if (s.depth == 2 && s.wrapper_root && plain && Is(localname, object)) {
      s.object = 2;
    } else if (s.depth == 1) {
      s.Fail();
    }
    return;
  }
  const int level = s.depth - s.object;  // 1: a child of <network>/<domain>
  if (s.want == Want::kVxnetMetadata) {
    if (level == 1 && plain && Is(localname, "metadata")) s.in_metadata = true;
    if (s.in_metadata && level == 2 && uri && std::strcmp(reinterpret_cast<const char*>(uri), kVxnetNamespace) == 0) {
      s.vxnet = true;
      s.Stop();
    }
    return;
  }
  if (level == 1 && plain && Is(localname, "devices")) s.in_devices = true;
  if (s.in_devices && level == 2 && plain && Is(localname, "interface")) {
    s.in_interface = true;
    s.network_interface = Attr(nb_attributes, attributes, "type") == "network";
    s.source_network.clear();
  }
  if (s.in_interface && level == 3 && plain && Is(localname, "source"))
    s.source_network = Attr(nb_attributes, attributes, "network").value_or("");
}

void EndElement(void* user, const xmlChar*, const xmlChar*, const xmlChar*) {
  Scan& s = *static_cast<Scan*>(user);
  if (s.done) return;
  const int level = s.depth - s.object;
  --s.depth;
  if (s.object == 0) return;
  if (level == 0) {  // </network> or </domain>: everything is seen
    s.Stop();
  } else if (level == 1) {
    s.in_metadata = false;
    s.in_devices = false;
  } else if (level == 2 && s.in_interface) {
    if (s.network_interface && !s.source_network.empty()) s.networks.push_back(s.source_network);
    s.in_interface = false;
  }
}

// A DOCTYPE ends the read before any declaration in it is parsed.
void InternalSubset(void* user, const xmlChar*, const xmlChar*, const xmlChar*) { static_cast<Scan*>(user)->Fail(); }

// Feeds the parser what `next` gives (empty: the end) until the answer is
// known; false when it cannot be.
template <typename Next>
bool Run(Scan& scan, const std::string& name, const Deadline& deadline, Next next) {
  xmlSAXHandler sax;
  std::memset(&sax, 0, sizeof sax);
  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = StartElement;
  sax.endElementNs = EndElement;
  sax.internalSubset = InternalSubset;
  // Errors are the answer "cannot tell", never printed (the error's type
  // became const in libxml2 2.12: a generic lambda fits both).
  sax.serror = [](void*, auto) {};
  xmlInitParser();
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxt*)> ctxt(
      xmlCreatePushParserCtxt(&sax, &scan, nullptr, 0, name.c_str()), xmlFreeParserCtxt);
  if (!ctxt) return false;
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  scan.ctxt = ctxt.get();
  while (!scan.done) {
    if (deadline.expired()) return false;
    const std::optional<std::string_view> piece = next();
    if (!piece) return false;  // a read error
    const int rc = xmlParseChunk(ctxt.get(), piece->data(), static_cast<int>(piece->size()), piece->empty() ? 1 : 0);
    if (scan.done) break;
    if (rc != 0 || piece->empty()) return false;  // not well-formed, or ended before the answer
  }
  return !scan.failed;
}

bool RunText(Scan& scan, std::string_view text, const Deadline& deadline) {
  constexpr std::size_t kPiece = 65536;  // between two looks at the deadline
  return Run(scan, "stdin", deadline, [&]() -> std::optional<std::string_view> {
    const std::string_view piece = text.substr(0, kPiece);
    text.remove_prefix(piece.size());
    return piece;
  });
}

bool RunFile(Scan& scan, const std::string& path, const Deadline& deadline) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct Close {
    int fd;
    ~Close() { close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char buf[65536];
  return Run(scan, path, deadline, [&]() -> std::optional<std::string_view> {
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::nullopt;
      return std::string_view(buf, static_cast<std::size_t>(n));
    }
  });
}

}  // namespace

std::optional<bool> NetworkTextIsVxnets(std::string_view text, const Deadline& deadline) {
  Scan scan(Want::kVxnetMetadata);
  if (!RunText(scan, text, deadline)) return std::nullopt;
  return scan.vxnet;
}

std::optional<bool> NetworkFileIsVxnets(const std::string& path, const Deadline& deadline) {
  Scan scan(Want::kVxnetMetadata);
  if (!RunFile(scan, path, deadline)) return std::nullopt;
  return scan.vxnet;
}

DomainNetworks DomainTextNetworks(std::string_view text, const Deadline& deadline) {
  Scan scan(Want::kInterfaceNetworks);
  const bool complete = RunText(scan, text, deadline);
  return {std::move(scan.networks), complete};
}

DomainNetworks DomainFileNetworks(const std::string& path, const Deadline& deadline) {
  Scan scan(Want::kInterfaceNetworks);
  const bool complete = RunFile(scan, path, deadline);
  return {std::move(scan.networks), complete};
}

}  // namespace vxnet
