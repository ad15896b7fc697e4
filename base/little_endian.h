// Fixed-width integers in little-endian byte order, as Troupe's wire and
// checkpoint files lay them out, on any host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace troupe {

// Writes `value` to out[0, sizeof(T)), least significant byte first.
template <class T>
void PutLittle(T value, char* out) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>(static_cast<uint8_t>(value >> (8 * i)));
  }
}

// Appends what PutLittle<T> writes to `out`.
template <class T>
void AppendLittle(T value, std::string& out) {
  char bytes[sizeof(T)];
  PutLittle<T>(value, bytes);
  out.append(bytes, sizeof(T));
}

// Reads what PutLittle<T> wrote.
template <class T>
T GetLittle(const char* in) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |=
        static_cast<T>(static_cast<T>(static_cast<uint8_t>(in[i])) << (8 * i));
  }
  return value;
}

}  // namespace troupe
