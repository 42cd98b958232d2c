// The shared jobs in common/: atomic file replacement, UUIDs, ASCII case
// and MACs.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/ascii.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/uuid.h"
#include "test_util.h"

namespace vxnet {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vxnet-common-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::set<std::string> Entries() const {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.insert(e.path().filename().string());
    return out;
  }

 private:
  std::string path_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(WriteFileAtomically, WritesAndReplacesWithTheModeGivenAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string file = dir.path() + "/vxnet0.json";
  const mode_t old_umask = umask(077);  // the mode is exact, whatever the umask
  WriteFileAtomically(file, "first\n", 0644);
  umask(old_umask);
  EXPECT_EQ(test::ReadFile(file), "first\n");
  EXPECT_EQ(ModeOf(file), 0644u);
  WriteFileAtomically(file, "second\n", 0600);
  EXPECT_EQ(test::ReadFile(file), "second\n");
  EXPECT_EQ(ModeOf(file), 0600u);
  WriteFileAtomically(file, "", 0640);
  EXPECT_EQ(test::ReadFile(file), "");
  EXPECT_EQ(dir.Entries(), std::set<std::string>{"vxnet0.json"});
}

// A directory the writer cannot write into (root can write anywhere, so
// the write runs in a child that gave up root): the message names the
// object, the file and the system's reason, and nothing is left behind.
TEST(WriteFileAtomically, UnwritableDirectoryNamesTheFileAndTheErrnoAndLeavesNothing) {
  TempDir dir;
  const std::string sub = dir.path() + "/state";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  const std::string file = sub + "/vxnet0.json";
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    if (geteuid() == 0) {
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    } else if (chmod(sub.c_str(), 0555) != 0) {
      _exit(3);
    }
    std::string message = "(no error)";
    try {
      WriteFileAtomically(file, "text\n", 0644, "record", "check that it is writable");
    } catch (const Error& e) {
      message = e.what();
    }
    if (write(pipe_fds[1], message.data(), message.size()) < 0) _exit(4);
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(message, "record '" + file + "': cannot be written (create): " + std::strerror(EACCES) +
                         "; check that it is writable");
  EXPECT_TRUE(std::filesystem::is_empty(sub)) << "something was left in " << sub;
}

// A failure after the temporary file exists (the target is a directory, so
// rename fails): the temporary file is removed, the target untouched.
TEST(WriteFileAtomically, AFailedRenameRemovesTheTemporaryFile) {
  TempDir dir;
  const std::string target = dir.path() + "/vxnet0.json";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((target + "/inside").c_str(), 0755), 0);
  try {
    WriteFileAtomically(target, "text\n", 0644, "output file");
    FAIL() << "a write over a directory succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "output file '" + target + "': cannot be written (rename): " + std::strerror(EISDIR));
  }
  EXPECT_EQ(dir.Entries(), std::set<std::string>{"vxnet0.json"});
  EXPECT_TRUE(std::filesystem::is_directory(target + "/inside"));
}

TEST(WriteFileAtomically, AMissingDirectoryIsNamed) {
  TempDir dir;
  const std::string file = dir.path() + "/absent/vxnet0.json";
  try {
    WriteFileAtomically(file, "text\n", 0644, "system-id file");
    FAIL() << "a write into a missing directory succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "system-id file '" + file + "': cannot be written (create): " + std::strerror(ENOENT));
  }
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(Uuid, ValidatesTheShapeAndNormalisesToLowerCase) {
  EXPECT_TRUE(IsUuid("eae982a5-b9ea-41b9-8d36-c0cc92dc7677"));
  EXPECT_TRUE(IsUuid("EAE982A5-B9EA-41B9-8D36-C0CC92DC7677"));
  for (const char* bad : {"", "eae982a5-b9ea-41b9-8d36-c0cc92dc767", "eae982a5-b9ea-41b9-8d36-c0cc92dc76777",
                          "eae982a5b9ea-41b9-8d36-c0cc92dc7677-", "eae982a5-b9ea-41b9-8d36-c0cc92dc767g",
                          "eae982a5-b9ea-41b9-8d36_c0cc92dc7677", "{ae982a5-b9ea-41b9-8d36-c0cc92dc767}"})
    EXPECT_FALSE(IsUuid(bad)) << bad;
  EXPECT_EQ(NormalizeUuid("EAE982A5-b9ea-41B9-8D36-C0CC92DC7677"), "eae982a5-b9ea-41b9-8d36-c0cc92dc7677");
  EXPECT_EQ(NormalizeUuid("not-a-uuid"), std::nullopt);
}

TEST(Uuid, RandomOnesAreVersion4LowerCaseAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string u = RandomUuid();
    EXPECT_TRUE(IsUuid(u)) << u;
    EXPECT_EQ(NormalizeUuid(u), u);
    EXPECT_EQ(u[14], '4') << u;                                    // version 4
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;  // RFC 4122 variant
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Ascii, LowerCasesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("52:54:00:AA:bB:0F"), "52:54:00:aa:bb:0f");
  EXPECT_EQ(AsciiLower("Ovs-SW0_\xc3\x89"), "ovs-sw0_\xc3\x89");  // bytes above 0x7f stay
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Vxnet0", "vXNET0"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("vxnet0", "vxnet1"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("vxnet", "vxnet0"));
}

TEST(Mac, NormalisesLibvirtsFormAndRefusesOthers) {
  EXPECT_EQ(NormalizeMac("52:54:00:E8:6A:6E"), "52:54:00:e8:6a:6e");
  EXPECT_EQ(NormalizeMac("52:54:00:e8:6a:6e"), "52:54:00:e8:6a:6e");
  for (const char* bad : {"", "52:54:00:e8:6a", "52:54:00:e8:6a:6e:00", "52-54-00-e8-6a-6e", "52:54:00:e8:6a:6g",
                          "5254.00e8.6a6e", "52:54:00:e8:6a:6e "})
    EXPECT_EQ(NormalizeMac(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace vxnet
