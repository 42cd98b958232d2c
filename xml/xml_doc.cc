#include "xml/xml_doc.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace vxnet {

namespace {

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

std::optional<std::string> ReadXmlFile(const std::string& path) {
  // "No such file" is an answer (a network not active, a guest not
  // running); a file that is there but cannot be read is not, and callers
  // must not take one for the other.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw Error("file", path, std::string("exists but cannot be read: ") + std::strerror(errno));
  }
  // In pieces, as far as the limit and one byte: the files read (run
  // records, domain and network definitions) are a few KiB, and zeroing a
  // buffer of the limit first cost a fresh process ~0.7 ms a call (at 1 MiB).
  std::string text;
  char piece[16384];
  int read_errno = 0;
  while (text.size() <= kMaxXmlBytes) {
    const ssize_t n = read(fd, piece, sizeof piece);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    text.append(piece, static_cast<std::size_t>(n));
  }
  close(fd);
  if (read_errno != 0) throw Error("file", path, std::string("exists but cannot be read: ") + std::strerror(read_errno));
  if (text.size() > kMaxXmlBytes + 1) text.resize(kMaxXmlBytes + 1);
  return text;
}

XmlDoc XmlDoc::Parse(std::string_view text, std::string_view what) {
  InitLibxml();
  const std::string w(what);
  if (text.size() > kMaxXmlBytes)
    throw Error(w, std::to_string(text.size()) + " bytes",
                "is larger than the limit of " + std::to_string(kMaxXmlBytes) + " bytes");
  if (text.empty()) throw Error(w, "", "is empty", "give a libvirt network XML document");

  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(
      xmlCreateMemoryParserCtxt(text.data(), static_cast<int>(text.size())));
  if (!ctxt) throw Error::Plain(w + ": out of memory creating the XML parser");
  // No XML_PARSE_NOENT (no entity substitution), no DTDLOAD, no XINCLUDE,
  // no HUGE; NONET forbids any fetch. Errors are collected, not printed.
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_NOCDATA);
  // Stop at the DOCTYPE itself, before any entity declaration is read:
  // libvirt XML never has one, and nothing in it can be trusted.
  bool saw_doctype = false;
  ctxt->_private = &saw_doctype;
  ctxt->sax->internalSubset = [](void* c, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* parser = static_cast<xmlParserCtxt*>(c);
    *static_cast<bool*>(parser->_private) = true;
    xmlStopParser(parser);
  };
  xmlParseDocument(ctxt.get());
  XmlDoc result;
  result.doc_.reset(ctxt->myDoc);
  ctxt->myDoc = nullptr;
  if (saw_doctype)
    throw Error(w, "<!DOCTYPE>", "DTDs and entity declarations are not accepted",
                "remove the DOCTYPE; libvirt XML never needs one");
  if (!result.doc_ || !ctxt->wellFormed) {
    const xmlError* err = xmlCtxtGetLastError(ctxt.get());
    std::string msg = err && err->message ? err->message : "not well-formed";
    throw Error::Plain(w + " line " + std::to_string(err ? err->line : 0) +
                       ": not well-formed XML: " + msg);
  }
  if (result.doc_->intSubset || result.doc_->extSubset)
    throw Error(w, "<!DOCTYPE>", "DTDs and entity declarations are not accepted",
                "remove the DOCTYPE; libvirt XML never needs one");
  if (!result.root()) throw Error(w, "", "has no root element");
  return result;
}

XmlDoc XmlDoc::Empty() {
  InitLibxml();
  XmlDoc result;
  result.doc_.reset(xmlNewDoc(BAD_CAST "1.0"));
  return result;
}

bool IsElement(const xmlNode* node, std::string_view name, const char* ns) {
  if (!node || node->type != XML_ELEMENT_NODE) return false;
  if (name != reinterpret_cast<const char*>(node->name)) return false;
  if (!ns) return true;
  return node->ns && node->ns->href &&
         std::strcmp(reinterpret_cast<const char*>(node->ns->href), ns) == 0;
}

std::vector<const xmlNode*> ChildElements(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

const xmlNode* FirstChild(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !c->ns && name == reinterpret_cast<const char*>(c->name))
      return c;
  return nullptr;
}

std::optional<std::string> Attribute(const xmlNode* node, const char* name) {
  // xmlHasNsProp with a null namespace finds only unqualified attributes.
  xmlAttr* attr = xmlHasNsProp(const_cast<xmlNode*>(node), BAD_CAST name, nullptr);
  if (!attr) return std::nullopt;
  xmlChar* value = xmlNodeGetContent(reinterpret_cast<xmlNode*>(attr));
  std::string out = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return out;
}

std::string Text(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  std::string out = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  // libvirt trims element text; so do we.
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = out.find_last_not_of(" \t\r\n");
  return out.substr(first, last - first + 1);
}

std::string NodeName(const xmlNode* node) {
  return node && node->name ? reinterpret_cast<const char*>(node->name) : "";
}

std::string Dump(const XmlDoc& doc, const xmlNode* node) {
  xmlBuffer* buf = xmlBufferCreate();
  xmlNodeDump(buf, doc.get(), const_cast<xmlNode*>(node), 0, 1);
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buf)),
                  static_cast<std::size_t>(xmlBufferLength(buf)));
  xmlBufferFree(buf);
  out += '\n';
  return out;
}

}  // namespace vxnet
