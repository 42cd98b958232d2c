#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace vxnet::test {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test fixture missing: " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string Fixture(const std::string& relative) {
  return ReadFile(std::string(VXNET_TEST_DATA) + "/" + relative);
}

}  // namespace vxnet::test
