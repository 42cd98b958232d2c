#pragma once
// The one error type of vxnet. Every refusal names the object it is about,
// the offending value, the limit it broke and, where there is one, the fix,
// so that a single line on stderr (which libvirt shows the user verbatim) is
// enough to act on.
#include <stdexcept>
#include <string>

namespace vxnet {

class Error : public std::runtime_error {
 public:
  // object: what is wrong ("bridge name", "peer 2", "line 4")
  // value:  the offending value as given (quoted in the message)
  // limit:  the rule it breaks ("at most 15 characters")
  // fix:    what to do instead; may be empty
  Error(std::string object, std::string value, std::string limit,
        std::string fix = {});

  // An error whose message is already complete (e.g. from a library).
  static Error Plain(std::string message);

  const std::string& object() const { return object_; }
  const std::string& value() const { return value_; }
  const std::string& limit() const { return limit_; }
  const std::string& fix() const { return fix_; }

 private:
  struct PlainTag {};
  Error(PlainTag, std::string message);

  std::string object_, value_, limit_, fix_;
};

// Makes arbitrary text safe for a one-line message: control characters
// become escapes and overlong text is cut, so hostile input cannot forge
// extra log lines or flood the terminal.
std::string Printable(std::string_view text, std::size_t max_len = 80);

}  // namespace vxnet
