// StringList: the strings of a string tensor, packed back to back in one
// buffer with their offsets (8 bytes of overhead per string, not ~40).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace troupe {

class StringList {
 public:
  StringList() = default;
  StringList(std::initializer_list<absl::string_view> strings);
  // Packs `strings` (a convenience for small lists built by hand).
  StringList(const std::vector<std::string>& strings);  // NOLINT: implicit
  // `count` empty strings.
  static StringList Empty(size_t count);
  // Adopts `bytes` (a wire segment) as the strings' bytes, split by
  // `lengths`, whose buffer becomes the offsets (no copy of either);
  // INVALID_ARGUMENT unless the lengths add up to exactly bytes.size().
  // `what` names the strings in the error.
  static absl::StatusOr<StringList> FromBytes(std::vector<char> bytes,
                                              std::vector<uint64_t> lengths,
                                              const std::string& what);

  void Reserve(size_t count, size_t bytes);
  void Append(absl::string_view value);

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  absl::string_view operator[](size_t index) const {
    uint64_t begin = index == 0 ? 0 : ends_[index - 1];
    return absl::string_view(bytes_.data() + begin, ends_[index] - begin);
  }
  // The bytes of strings [begin, end), back to back.
  absl::Span<const char> Bytes(size_t begin, size_t end) const;

 private:
  std::vector<char> bytes_;
  // Where string i ends in bytes_ (it begins where string i - 1 ends).
  std::vector<uint64_t> ends_;
};

// Strings [begin, begin + count) of a StringList, as string_views.
class StringsView {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = absl::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = absl::string_view;

    iterator(const StringList* list, size_t index)
        : list_(list), index_(index) {}
    absl::string_view operator*() const { return (*list_)[index_]; }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const iterator& other) const {
      return index_ == other.index_;
    }
    bool operator!=(const iterator& other) const { return !(*this == other); }

   private:
    const StringList* list_;
    size_t index_;
  };

  StringsView(const StringList* list, size_t begin, size_t count)
      : list_(list), begin_(begin), count_(count) {}

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  absl::string_view operator[](size_t index) const {
    return (*list_)[begin_ + index];
  }
  iterator begin() const { return iterator(list_, begin_); }
  iterator end() const { return iterator(list_, begin_ + count_); }
  // All the strings' bytes, back to back.
  absl::Span<const char> bytes() const {
    return list_->Bytes(begin_, begin_ + count_);
  }

 private:
  const StringList* list_;
  size_t begin_;
  size_t count_;
};

}  // namespace troupe
