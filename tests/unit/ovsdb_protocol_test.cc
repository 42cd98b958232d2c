// The OVSDB wire format and endpoints, on plain bytes.
#include <gtest/gtest.h>

#include "common/error.h"
#include "ovs/endpoint.h"
#include "ovs/json_stream.h"

namespace vxnet::ovs {
namespace {

TEST(JsonStreamSplitter, BackToBackMessagesInOneChunk) {
  JsonStreamSplitter s;
  s.Feed(R"({"id":1,"result":[]}{"id":2,"result":{"a":"}"}}  {"method":"echo","params":[],"id":"x"})");
  EXPECT_EQ(s.Next(), R"({"id":1,"result":[]})");
  EXPECT_EQ(s.Next(), R"({"id":2,"result":{"a":"}"}})");
  EXPECT_EQ(s.Next(), R"({"method":"echo","params":[],"id":"x"})");
  EXPECT_EQ(s.Next(), std::nullopt);
}

TEST(JsonStreamSplitter, MessageSplitAtEveryByte) {
  const std::string msg = R"({"id":7,"result":["a\"}{","\\",{"n":[1,2,{"x":"]"}]}]})";
  JsonStreamSplitter s;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    EXPECT_EQ(s.Next(), std::nullopt) << "complete too early at byte " << i;
    s.Feed(msg.substr(i, 1));
  }
  EXPECT_EQ(s.Next(), msg);
}

TEST(JsonStreamSplitter, RefusesNonObjectsAndOversizedMessages) {
  JsonStreamSplitter s;
  EXPECT_THROW(s.Feed("[1,2]"), Error);
  JsonStreamSplitter small(16);
  EXPECT_THROW(small.Feed(R"({"id":1,"result":"0123456789abcdef"})"), Error);
}

TEST(Endpoint, ParsesOvsSyntax) {
  Endpoint u = Endpoint::Parse("unix:/run/openvswitch/db.sock");
  EXPECT_EQ(u.kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(u.path, "/run/openvswitch/db.sock");
  Endpoint t = Endpoint::Parse("tcp:127.0.0.1:6640");
  EXPECT_EQ(t.kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 6640);
  Endpoint t6 = Endpoint::Parse("tcp:[::1]:6641");
  EXPECT_EQ(t6.host, "::1");
  EXPECT_EQ(t6.port, 6641);
  for (const char* bad : {"", "unix:", "db.sock", "tcp:localhost:6640", "tcp:127.0.0.1", "tcp:127.0.0.1:0",
                          "tcp:127.0.0.1:70000", "tcp:[::1]6640", "ssl:127.0.0.1:6640"})
    EXPECT_THROW(Endpoint::Parse(bad), Error) << bad;
  EXPECT_THROW(Endpoint::Parse("unix:/" + std::string(200, 'x')), Error);
}

}  // namespace
}  // namespace vxnet::ovs
