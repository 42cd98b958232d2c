// libxml2 for the hook, loaded when the hook first reads or writes XML
// instead of at every start. libvirt runs the hook for every operation on
// every network and guest, and most of those runs never parse anything:
// another network's `port-created` (stdin without vxnet's namespace), the
// qemu operations vxnet ignores, `--version`. Debian's libxml2 brings ICU,
// liblzma and libz, and loading and relocating them was a third of the
// hook's start (docs/PERFORMANCE.md, "Process start").
//
// Each libxml2 function vxnet_xml calls in the hook is defined here under
// its own name, with the signature of the distribution's header (a
// mismatch does not compile), and forwards to the library, which the first
// call dlopen()s by its soname. The pointers are resolved all at once
// (RTLD_NOW) and then made read-only, as full RELRO keeps the GOT. Linked
// into vxnet-hook only, so that libxml2 is no DT_NEEDED of it (--as-needed;
// tests/cli/vxnet_hook_test.sh checks that). A libxml2 function the hook
// comes to use without a line here is taken from the library as before:
// the hook still works and that test fails.
#include <dlfcn.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <string>

#include "common/error.h"

namespace {

#define VXNET_LIBXML2_FUNCTIONS(X)                                                                              \
  X(xmlAddChild) X(xmlAddNextSibling) X(xmlBufferContent) X(xmlBufferCreate) X(xmlBufferFree) X(xmlBufferLength) \
  X(xmlCreateMemoryParserCtxt) X(xmlCreatePushParserCtxt) X(xmlCtxtGetLastError) X(xmlCtxtUseOptions) X(xmlDocGetRootElement)              \
  X(xmlDocSetRootElement) X(xmlFreeDoc) X(xmlFreeParserCtxt) X(xmlHasNsProp) X(xmlInitParser) X(xmlNewChild)    \
  X(xmlNewDoc) X(xmlNewDocNode) X(xmlNewNs) X(xmlNewProp) X(xmlNewTextChild) X(xmlNodeAddContent)                \
  X(xmlNodeDump) X(xmlNodeGetContent) X(xmlNodeSetContent) X(xmlParseChunk) X(xmlParseDocument) X(xmlSetNs) X(xmlSetProp)        \
  X(xmlStopParser)

struct Libxml2 {
#define VXNET_POINTER(name) decltype(&::name) name;
  VXNET_LIBXML2_FUNCTIONS(VXNET_POINTER)
#undef VXNET_POINTER
  xmlFreeFunc* free;  // the library's own xmlFree, which frees what it allocated
};

const Libxml2* loaded = nullptr;

template <typename Pointer>
Pointer Symbol(void* handle, const char* name) {
  void* found = dlsym(handle, name);
  if (!found)
    throw vxnet::Error::Plain(std::string("libxml2 (" VXNET_LIBXML2_SONAME "): symbol ") + name + " not found");
  Pointer out;
  static_assert(sizeof out == sizeof found);
  std::memcpy(&out, &found, sizeof out);
  return out;
}

const Libxml2& Load() {
  // Never closed: what it allocated lives as long as the process.
  void* handle = dlopen(VXNET_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw vxnet::Error::Plain(std::string("libxml2 (" VXNET_LIBXML2_SONAME ") cannot be loaded: ") + dlerror());
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t size = (sizeof(Libxml2) + page - 1) / page * page;
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw vxnet::Error::Plain("libxml2: no memory for its function table");
  auto* table = new (memory) Libxml2{};
#define VXNET_RESOLVE(name) table->name = Symbol<decltype(table->name)>(handle, #name);
  VXNET_LIBXML2_FUNCTIONS(VXNET_RESOLVE)
#undef VXNET_RESOLVE
  table->free = Symbol<xmlFreeFunc*>(handle, "xmlFree");
  if (mprotect(memory, size, PROT_READ) != 0) throw vxnet::Error::Plain("libxml2: its function table cannot be made read-only");
  loaded = table;
  return *table;
}

const Libxml2& Lib() { return loaded ? *loaded : Load(); }

void FreeThroughLibxml2(void* p) { (*Lib().free)(p); }

// libxml2 2.12 made this const xmlError*: the header's own type, either way.
using LastError = decltype(xmlCtxtGetLastError(nullptr));

}  // namespace

extern "C" {

xmlFreeFunc xmlFree = FreeThroughLibxml2;

xmlNodePtr xmlAddChild(xmlNodePtr parent, xmlNodePtr cur) { return Lib().xmlAddChild(parent, cur); }
xmlNodePtr xmlAddNextSibling(xmlNodePtr cur, xmlNodePtr elem) { return Lib().xmlAddNextSibling(cur, elem); }
const xmlChar* xmlBufferContent(const xmlBuffer* buf) { return Lib().xmlBufferContent(buf); }
xmlBufferPtr xmlBufferCreate(void) { return Lib().xmlBufferCreate(); }
void xmlBufferFree(xmlBufferPtr buf) { Lib().xmlBufferFree(buf); }
int xmlBufferLength(const xmlBuffer* buf) { return Lib().xmlBufferLength(buf); }
xmlParserCtxtPtr xmlCreateMemoryParserCtxt(const char* buffer, int size) {
  return Lib().xmlCreateMemoryParserCtxt(buffer, size);
}
xmlParserCtxtPtr xmlCreatePushParserCtxt(xmlSAXHandlerPtr sax, void* user_data, const char* chunk, int size,
                                         const char* filename) {
  return Lib().xmlCreatePushParserCtxt(sax, user_data, chunk, size, filename);
}
LastError xmlCtxtGetLastError(void* ctx) { return Lib().xmlCtxtGetLastError(ctx); }
int xmlCtxtUseOptions(xmlParserCtxtPtr ctxt, int options) { return Lib().xmlCtxtUseOptions(ctxt, options); }
xmlNodePtr xmlDocGetRootElement(const xmlDoc* doc) { return Lib().xmlDocGetRootElement(doc); }
xmlNodePtr xmlDocSetRootElement(xmlDocPtr doc, xmlNodePtr root) { return Lib().xmlDocSetRootElement(doc, root); }
void xmlFreeDoc(xmlDocPtr cur) { Lib().xmlFreeDoc(cur); }
void xmlFreeParserCtxt(xmlParserCtxtPtr ctxt) { Lib().xmlFreeParserCtxt(ctxt); }
xmlAttrPtr xmlHasNsProp(const xmlNode* node, const xmlChar* name, const xmlChar* nameSpace) {
  return Lib().xmlHasNsProp(node, name, nameSpace);
}
void xmlInitParser(void) { Lib().xmlInitParser(); }
xmlNodePtr xmlNewChild(xmlNodePtr parent, xmlNsPtr ns, const xmlChar* name, const xmlChar* content) {
  return Lib().xmlNewChild(parent, ns, name, content);
}
xmlDocPtr xmlNewDoc(const xmlChar* version) { return Lib().xmlNewDoc(version); }
xmlNodePtr xmlNewDocNode(xmlDocPtr doc, xmlNsPtr ns, const xmlChar* name, const xmlChar* content) {
  return Lib().xmlNewDocNode(doc, ns, name, content);
}
xmlNsPtr xmlNewNs(xmlNodePtr node, const xmlChar* href, const xmlChar* prefix) {
  return Lib().xmlNewNs(node, href, prefix);
}
xmlAttrPtr xmlNewProp(xmlNodePtr node, const xmlChar* name, const xmlChar* value) {
  return Lib().xmlNewProp(node, name, value);
}
xmlNodePtr xmlNewTextChild(xmlNodePtr parent, xmlNsPtr ns, const xmlChar* name, const xmlChar* content) {
  return Lib().xmlNewTextChild(parent, ns, name, content);
}
void xmlNodeAddContent(xmlNodePtr cur, const xmlChar* content) { Lib().xmlNodeAddContent(cur, content); }
int xmlNodeDump(xmlBufferPtr buf, xmlDocPtr doc, xmlNodePtr cur, int level, int format) {
  return Lib().xmlNodeDump(buf, doc, cur, level, format);
}
xmlChar* xmlNodeGetContent(const xmlNode* cur) { return Lib().xmlNodeGetContent(cur); }
void xmlNodeSetContent(xmlNodePtr cur, const xmlChar* content) { Lib().xmlNodeSetContent(cur, content); }
int xmlParseChunk(xmlParserCtxtPtr ctxt, const char* chunk, int size, int terminate) {
  return Lib().xmlParseChunk(ctxt, chunk, size, terminate);
}
int xmlParseDocument(xmlParserCtxtPtr ctxt) { return Lib().xmlParseDocument(ctxt); }
void xmlSetNs(xmlNodePtr node, xmlNsPtr ns) { Lib().xmlSetNs(node, ns); }
xmlAttrPtr xmlSetProp(xmlNodePtr node, const xmlChar* name, const xmlChar* value) {
  return Lib().xmlSetProp(node, name, value);
}
void xmlStopParser(xmlParserCtxtPtr ctxt) { Lib().xmlStopParser(ctxt); }

}  // extern "C"
