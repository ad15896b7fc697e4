#include "formats/memory_input_stream.h"

#include <algorithm>
#include <cstring>

namespace troupe {

absl::StatusOr<size_t> MemoryInputStream::Read(char* buffer, size_t n) {
  const size_t count = std::min(n, bytes_.size());
  if (count > 0) std::memcpy(buffer, bytes_.data(), count);
  bytes_.remove_prefix(count);
  return count;
}

absl::StatusOr<uint64_t> MemoryInputStream::Skip(uint64_t n) {
  const size_t count =
      static_cast<size_t>(std::min<uint64_t>(n, bytes_.size()));
  bytes_.remove_prefix(count);
  return count;
}

StreamOpener MemoryOpener(absl::string_view bytes) {
  return [bytes]() -> absl::StatusOr<std::unique_ptr<InputStream>> {
    return std::make_unique<MemoryInputStream>(bytes);
  };
}

}  // namespace troupe
