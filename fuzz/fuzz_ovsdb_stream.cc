// libFuzzer target: an OVSDB server's byte stream. The first byte picks a
// chunk size, so message boundaries fall everywhere; every complete message
// is parsed as JSON and every value in it, at any depth, is decoded as
// OVSDB values are (UUID sets, maps): rows arrive nested in replies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "ovs/json_stream.h"
#include "ovs/ovs_state.h"

namespace {

void DecodeEverywhere(const vxnet::ovs::Json& value, int depth) {
  vxnet::ovs::data::DecodeUuidSet(value);
  vxnet::ovs::data::DecodeMap(value);
  if (depth >= 32 || !value.is_structured()) return;
  for (const auto& child : value) DecodeEverywhere(child, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  vxnet::ovs::JsonStreamSplitter splitter(1 << 16);
  try {
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
      splitter.Feed(stream.substr(pos, chunk));
      while (auto message = splitter.Next()) {
        auto json = vxnet::ovs::Json::parse(*message, nullptr, false);
        if (!json.is_discarded()) DecodeEverywhere(json, 0);
      }
    }
  } catch (const vxnet::Error&) {
  }
  return 0;
}
