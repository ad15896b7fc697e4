#include "serialization/utf8.h"

namespace troupe {

namespace {

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t SequenceLength(absl::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](size_t i, unsigned char lo, unsigned char hi) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, lo, hi) && continuation(2, 0x80, 0xBF) &&
                   continuation(3, 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  while (!s.empty()) {
    size_t length = SequenceLength(s);
    if (length == 0) return false;
    s.remove_prefix(length);
  }
  return true;
}

std::string ToValidUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  while (!s.empty()) {
    size_t length = SequenceLength(s);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      length = 1;
    } else {
      out.append(s.data(), length);
    }
    s.remove_prefix(length);
  }
  return out;
}

std::string TruncateUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  s.append("...");
  return s;
}

}  // namespace troupe
