#pragma once
// RFC 7047 messages are JSON objects sent back to back with no delimiter.
// JsonStreamSplitter finds where each one ends in an arbitrarily chunked
// byte stream, without parsing it, so that a message split across reads or
// several messages in one read are both handled.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vxnet::ovs {

class JsonStreamSplitter {
 public:
  explicit JsonStreamSplitter(std::size_t max_message_bytes = 64u << 20)
      : max_message_bytes_(max_message_bytes) {}

  // Appends bytes; throws Error when the stream cannot be JSON-RPC (a
  // top-level value that is not an object, or a message over the limit).
  void Feed(std::string_view bytes);
  // The next complete message, if one has arrived.
  std::optional<std::string> Next();

 private:
  void Scan();

  std::string buffer_;
  std::size_t scanned_ = 0;   // bytes of buffer_ already scanned
  std::size_t start_ = 0;     // start of the message being scanned
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  std::optional<std::size_t> complete_end_;  // one past the end of a complete message
  std::size_t max_message_bytes_;
};

}  // namespace vxnet::ovs
