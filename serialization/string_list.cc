#include "serialization/string_list.h"

#include "absl/strings/str_cat.h"

namespace troupe {

StringList::StringList(std::initializer_list<absl::string_view> strings) {
  size_t bytes = 0;
  for (absl::string_view value : strings) bytes += value.size();
  Reserve(strings.size(), bytes);
  for (absl::string_view value : strings) Append(value);
}

StringList::StringList(const std::vector<std::string>& strings) {
  size_t bytes = 0;
  for (const std::string& value : strings) bytes += value.size();
  Reserve(strings.size(), bytes);
  for (const std::string& value : strings) Append(value);
}

StringList StringList::Empty(size_t count) {
  StringList list;
  list.ends_.assign(count, 0);
  return list;
}

absl::StatusOr<StringList> StringList::FromBytes(std::vector<char> bytes,
                                                 std::vector<uint64_t> lengths,
                                                 const std::string& what) {
  uint64_t end = 0;
  for (uint64_t& length : lengths) {
    if (length > bytes.size() - end) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " has string lengths past the end of its segment of ",
          bytes.size(), " bytes"));
    }
    end += length;
    length = end;
  }
  if (end != bytes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " uses ", end, " bytes of its segment of ", bytes.size()));
  }
  StringList list;
  list.bytes_ = std::move(bytes);
  list.ends_ = std::move(lengths);
  return list;
}

void StringList::Reserve(size_t count, size_t bytes) {
  ends_.reserve(count);
  bytes_.reserve(bytes);
}

void StringList::Append(absl::string_view value) {
  bytes_.insert(bytes_.end(), value.begin(), value.end());
  ends_.push_back(bytes_.size());
}

absl::Span<const char> StringList::Bytes(size_t begin, size_t end) const {
  uint64_t first = begin == 0 ? 0 : ends_[begin - 1];
  uint64_t last = end == 0 ? 0 : ends_[end - 1];
  return absl::Span<const char>(bytes_.data() + first, last - first);
}

}  // namespace troupe
