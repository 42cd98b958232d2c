// ReadXmlFile: whole small files, the limit and one byte of large ones.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "xml/xml_doc.h"

namespace vxnet {
namespace {

TEST(ReadXmlFile, ReadsSmallFilesWholeAndLargeOnesToTheLimitAndOneByte) {
  char dir[] = "/tmp/vxnet-xmlfile-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string small = std::string(dir) + "/small.xml", large = std::string(dir) + "/large.xml";
  const std::string text = "<network><name>vxnet0</name></network>\n";
  std::ofstream(small) << text;
  {
    std::ofstream out(large);
    for (std::size_t written = 0; written < kMaxXmlBytes + 40000; written += text.size()) out << text;
  }
  EXPECT_EQ(ReadXmlFile(small), text);
  const std::optional<std::string> big = ReadXmlFile(large);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->size(), kMaxXmlBytes + 1);
  EXPECT_EQ(big->substr(0, text.size()), text);
  EXPECT_FALSE(ReadXmlFile(std::string(dir) + "/missing.xml"));
  EXPECT_FALSE(ReadXmlFile(small + "/below-a-file.xml"));
  // There, but unreadable: not "absent", and the error says why.
  try {
    ReadXmlFile(dir);
    ADD_FAILURE() << "a directory read as a file";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "file '" + std::string(dir) + "': exists but cannot be read: Is a directory");
  }
  std::remove(small.c_str());
  std::remove(large.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace vxnet
