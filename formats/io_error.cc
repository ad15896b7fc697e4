#include "formats/io_error.h"

#include <string.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

absl::StatusCode CodeOf(int error_number) {
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return absl::StatusCode::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case EINVAL:
      return absl::StatusCode::kFailedPrecondition;
    case ENOSPC:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG:
      return absl::StatusCode::kResourceExhausted;
    case EAGAIN:
    case EBUSY:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

}  // namespace

absl::Status IoError(absl::string_view name, int error_number) {
  char buffer[128];
  // GNU strerror_r: returns the text, in `buffer` or a static string.
  const char* text = ::strerror_r(error_number, buffer, sizeof(buffer));
  return absl::Status(CodeOf(error_number), absl::StrCat(name, "; ", text));
}

}  // namespace troupe
