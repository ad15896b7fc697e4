// libFuzzer target: a checkpoint shard (state/snapshot_file.h) of arbitrary
// bytes, read from a file as a restore reads it. It must answer a snapshot
// or an error, never crash, and never take more than the memory limit.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "state/snapshot_file.h"

namespace {

constexpr uint64_t kMaxBytes = uint64_t{64} << 20;

// One file for the whole run, removed when libFuzzer exits.
const std::string& ShardPath() {
  static const std::string* path = [] {
    std::string pattern = "/tmp/troupe-checkpoint-fuzz-XXXXXX";
    int fd = mkstemp(pattern.data());
    if (fd >= 0) close(fd);
    std::atexit([] { unlink(ShardPath().c_str()); });
    return new std::string(pattern);
  }();
  return *path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(ShardPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data),
              static_cast<std::streamsize>(size));
  }
  auto snapshot = troupe::ReadSnapshotFile(ShardPath(), "fuzz.data", kMaxBytes);
  if (snapshot.ok()) {
    // What a restore would check next: every tensor is valid.
    for (const auto& variable : snapshot->variables) {
      for (const auto& tensor : variable.value) {
        if (!tensor.CheckValid().ok()) std::abort();
      }
    }
  }
  return 0;
}
