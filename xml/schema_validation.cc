#include <libxml/relaxng.h>

#include <memory>

#include "xml/validation.h"
#include "xml/xml_doc.h"

namespace vxnet {

namespace {

struct FirstError {
  std::string message;
  int line = 0;
  bool set = false;
};

void CollectError(void* user, xmlError* error) {
  auto* first = static_cast<FirstError*>(user);
  if (first->set || !error) return;
  first->set = true;
  first->message = error->message ? Printable(error->message, 300) : "invalid";
  first->line = error->line;
}

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Fn(p); }
};

}  // namespace

LayerResult ValidateAgainstSchema(std::string_view xml, const std::string& rng_path) {
  XmlDoc doc = XmlDoc::Parse(xml, "network XML");
  FirstError schema_error;
  std::unique_ptr<xmlRelaxNGParserCtxt, Deleter<xmlRelaxNGFreeParserCtxt>> pctxt(
      xmlRelaxNGNewParserCtxt(rng_path.c_str()));
  xmlRelaxNGSetParserStructuredErrors(pctxt.get(), CollectError, &schema_error);
  std::unique_ptr<xmlRelaxNG, Deleter<xmlRelaxNGFree>> schema(xmlRelaxNGParse(pctxt.get()));
  if (!schema)
    return {LayerResult::Status::kUnavailable,
            "libvirt schema '" + rng_path + "' could not be loaded" +
                (schema_error.set ? ": " + schema_error.message : std::string())};

  FirstError invalid;
  std::unique_ptr<xmlRelaxNGValidCtxt, Deleter<xmlRelaxNGFreeValidCtxt>> vctxt(
      xmlRelaxNGNewValidCtxt(schema.get()));
  xmlRelaxNGSetValidStructuredErrors(vctxt.get(), CollectError, &invalid);
  if (xmlRelaxNGValidateDoc(vctxt.get(), doc.get()) == 0) return {};
  return {LayerResult::Status::kInvalid,
          "libvirt schema " + rng_path + " rejects line " + std::to_string(invalid.line) + ": " +
              (invalid.set ? invalid.message : std::string("invalid"))};
}

}  // namespace vxnet
