#include "ovs/json_stream.h"

#include "common/error.h"

namespace vxnet::ovs {

void JsonStreamSplitter::Feed(std::string_view bytes) {
  buffer_.append(bytes);
  Scan();
}

void JsonStreamSplitter::Scan() {
  while (!complete_end_ && scanned_ < buffer_.size()) {
    const char c = buffer_[scanned_];
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++scanned_;
        start_ = scanned_;
        continue;
      }
      if (c != '{')
        throw Error("OVSDB stream", std::string(1, c), "a JSON-RPC message must be a JSON object");
    }
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) complete_end_ = scanned_ + 1;
    }
    ++scanned_;
    if (!complete_end_ && scanned_ - start_ > max_message_bytes_)
      throw Error("OVSDB message", std::to_string(scanned_ - start_) + " bytes",
                  "exceeds the limit of " + std::to_string(max_message_bytes_) + " bytes");
  }
}

std::optional<std::string> JsonStreamSplitter::Next() {
  if (!complete_end_) return std::nullopt;
  std::string message = buffer_.substr(start_, *complete_end_ - start_);
  buffer_.erase(0, *complete_end_);
  scanned_ = 0;
  start_ = 0;
  complete_end_.reset();
  Scan();
  return message;
}

}  // namespace vxnet::ovs
