#pragma once
// Replacing a file so that a reader, a crash or a full disk never sees half
// of it: the text goes to a temporary file in the same directory (rename is
// atomic only within one filesystem), which is synced, renamed over the
// target, and the directory synced, so the new name survives a power cut
// too. vxnet's records decide what 'stopped' removes: one lost or torn
// record leaves tunnels behind.
#include <sys/types.h>

#include <string>
#include <string_view>

namespace vxnet {

// Writes `text` to `path` with permission bits `mode` (exactly: the umask
// does not apply). On any failure the temporary file is removed, an
// existing `path` is left as it was, and Error names `object` and `path`
// with the system's reason (strerror) and `fix` when given. The directory
// must exist.
void WriteFileAtomically(const std::string& path, std::string_view text, mode_t mode, const std::string& object = "file",
                         const std::string& fix = {});

}  // namespace vxnet
