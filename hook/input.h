#pragma once
// The hook's stdin, read within the run's deadline and up to a size cap:
// a writer that never closes, or sends without end, cannot hang the hook or
// exhaust memory. What was read is only the start of the input unless
// `complete`. The cap is the parser's limit (kMaxXmlBytes): what is read
// can be parsed, and input beyond it is `oversize`, judged by libvirt's own
// file for the object (hook.h).
#include <string>

#include "common/deadline.h"
#include "xml/xml_doc.h"

namespace vxnet::hook {

struct HookInput {
  std::string text;
  bool complete = false;   // end of file reached
  bool timed_out = false;  // the deadline passed first
  bool oversize = false;   // more than the cap
};

HookInput ReadHookInput(int fd, const Deadline& deadline, std::size_t cap = kMaxXmlBytes);

}  // namespace vxnet::hook
