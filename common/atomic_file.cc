#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.h"

namespace vxnet {

namespace {

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

void WriteFileAtomically(const std::string& path, std::string_view text, mode_t mode, const std::string& object,
                         const std::string& fix) {
  const auto fail = [&](const char* step, int err) {
    throw Error(object, path, std::string("cannot be written (") + step + "): " + std::strerror(err), fix);
  };
  // mkostemp: a fresh name (O_EXCL, so never through a planted symlink),
  // unique across concurrent writers of the same file.
  std::string tmp = path + ".vxnet-tmp.XXXXXX";
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) fail("create", errno);
  const auto discard = [&](const char* step) {
    const int err = errno;
    close(fd);
    unlink(tmp.c_str());
    fail(step, err);
  };
  if (fchmod(fd, mode) != 0) discard("chmod");
  if (!WriteAll(fd, text)) discard("write");
  if (fsync(fd) != 0) discard("fsync");
  if (close(fd) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    fail("close", err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    fail("rename", err);
  }
  // The rename is in the directory's data: sync it, or the old file can
  // come back after a crash. A filesystem that cannot sync a directory
  // (EINVAL) has nothing more to make durable.
  const int dir = open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail("open directory", errno);
  if (fsync(dir) != 0 && errno != EINVAL) {
    const int err = errno;
    close(dir);
    fail("fsync directory", err);
  }
  close(dir);
}

}  // namespace vxnet
