#include "ovs/transaction.h"

#include <cstdio>

namespace vxnet::ovs {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void RowWriter::Column(std::string_view column) {
  if (!first_) out_ += ',';
  first_ = false;
  AppendJsonString(out_, column);
  out_ += ':';
}

RowWriter& RowWriter::String(std::string_view column, std::string_view value) {
  Column(column);
  AppendJsonString(out_, value);
  return *this;
}

RowWriter& RowWriter::Bool(std::string_view column, bool value) {
  Column(column);
  out_ += value ? "true" : "false";
  return *this;
}

RowWriter& RowWriter::Int(std::string_view column, long long value) {
  Column(column);
  out_ += std::to_string(value);
  return *this;
}

RowWriter& RowWriter::Map(std::string_view column, const std::map<std::string, std::string>& map) {
  Column(column);
  out_ += R"(["map",[)";
  bool first = true;
  for (const auto& [key, value] : map) {
    out_ += first ? "[" : ",[";
    first = false;
    AppendJsonString(out_, key);
    out_ += ',';
    AppendJsonString(out_, value);
    out_ += ']';
  }
  out_ += "]]";
  return *this;
}

RowWriter& RowWriter::NamedUuid(std::string_view column, std::string_view name) {
  Column(column);
  out_ += R"(["named-uuid",)";
  AppendJsonString(out_, name);
  out_ += ']';
  return *this;
}

void Transaction::Begin(std::string kind) {
  if (!kinds_.empty()) text_ += ',';
  kinds_.push_back(std::move(kind));
}

void Transaction::Add(const Json& op) {
  Begin(op.is_object() ? op.value("op", std::string()) : std::string());
  text_ += op.dump();
}

bool Transaction::changes() const {
  for (const auto& k : kinds_)
    if (k == "insert" || k == "update" || k == "mutate" || k == "delete") return true;
  return false;
}

}  // namespace vxnet::ovs
