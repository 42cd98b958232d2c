#pragma once
// UUIDs as text, the way libvirt, OVSDB and OVN write them: 36 characters,
// 8-4-4-4-12 hex digits. libvirt formats them in lower case and accepts
// either; vxnet compares and stores the lower-case form.
#include <optional>
#include <string>
#include <string_view>

namespace vxnet {

inline constexpr std::string_view kUuidShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

// Exactly the shape above, hex digits in either case.
bool IsUuid(std::string_view text);
// The lower-case form of a UUID; nullopt when `text` is not one.
std::optional<std::string> NormalizeUuid(std::string_view text);
// A new random (version 4) UUID in lower case, from getrandom(2), or the
// kernel's /proc/sys/kernel/random/uuid while the entropy pool is not yet
// ready (early boot: the hook must not block). Throws Error when neither
// gives one.
std::string RandomUuid();

}  // namespace vxnet
