#pragma once
// An OVSDB transaction as vxnet sends it: the operations written once as
// JSON text, and each operation's kind for reading the result. A start of
// 1024 tunnels inserts 2048 rows; they are written straight into the text
// (AddInsert) rather than built as a JSON tree, serialised and destroyed.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include <map>

namespace vxnet::ovs {

using Json = nlohmann::json;

// Appends `s` to `out` as a JSON string: quote, backslash and control
// characters escaped, every other byte as it is (vxnet's strings come from
// XML that libxml2 has checked to be UTF-8).
void AppendJsonString(std::string& out, std::string_view s);

// The members of one row, written as they come.
class RowWriter {
 public:
  explicit RowWriter(std::string& out) : out_(out) {}
  RowWriter& String(std::string_view column, std::string_view value);
  RowWriter& Bool(std::string_view column, bool value);
  RowWriter& Int(std::string_view column, long long value);
  // RFC 7047 <map> of strings: ["map",[[k,v],...]].
  RowWriter& Map(std::string_view column, const std::map<std::string, std::string>& map);
  // ["named-uuid",name]: a row inserted earlier in the same transaction.
  RowWriter& NamedUuid(std::string_view column, std::string_view name);

 private:
  void Column(std::string_view column);
  std::string& out_;
  bool first_ = true;
};

class Transaction {
 public:
  // An operation built as a tree (the rare ones).
  void Add(const Json& op);
  // {"op":"insert","table":table,"row":{...},"uuid-name":uuid_name}, the
  // row's members written by `row(RowWriter&)`.
  template <typename WriteRow>
  void AddInsert(std::string_view table, std::string_view uuid_name, WriteRow row) {
    Begin("insert");
    text_ += R"({"op":"insert","table":)";
    AppendJsonString(text_, table);
    text_ += R"(,"row":{)";
    RowWriter writer(text_);
    row(writer);
    text_ += R"(},"uuid-name":)";
    AppendJsonString(text_, uuid_name);
    text_ += '}';
  }

  std::size_t size() const { return kinds_.size(); }
  // The "op" of operation `i` ("insert", "mutate", …).
  const std::string& kind(std::size_t i) const { return kinds_.at(i); }
  // Whether it could change the database (an insert, update, mutate or delete).
  bool changes() const;
  // The operations as a JSON array.
  std::string Text() const { return text_ + "]"; }
  // The same as a tree: for tests and tools.
  Json Parsed() const { return Json::parse(Text()); }

 private:
  void Begin(std::string kind);
  std::string text_ = "[";
  std::vector<std::string> kinds_;
};

}  // namespace vxnet::ovs
