// StringOutputStream: an OutputStream appending to a std::string the caller
// owns (tests, fuzz seeds, records built in memory).
#pragma once

#include <string>

#include "formats/output_stream.h"

namespace troupe {

class StringOutputStream : public OutputStream {
 public:
  // REQUIRES: `out` outlives the stream.
  explicit StringOutputStream(std::string* out) : out_(out) {}

  absl::Status Append(absl::string_view bytes) override {
    out_->append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  std::string* out_;
};

}  // namespace troupe
