// The one place the mode is chosen.
#include "engine/overlay.h"

namespace vxnet::engine {

std::unique_ptr<Overlay> MakeOverlay(NetworkMode mode, const NetworkSpec* spec) {
  switch (mode) {
    case NetworkMode::kOvn:
      return MakeOvnOverlay(spec);
    case NetworkMode::kMesh:
      break;
  }
  return MakeMeshOverlay(spec);
}

std::unique_ptr<Overlay> MakeOverlay(const NetworkSpec& spec) { return MakeOverlay(spec.mode, &spec); }

}  // namespace vxnet::engine
