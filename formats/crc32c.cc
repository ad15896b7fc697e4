#include "formats/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace troupe {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78u;  // Castagnoli, reflected.

// Slicing-by-8 tables: kTables[k][b] is the CRC of byte b followed by k zero
// bytes.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

Tables MakeTables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) {
      uint32_t previous = tables[k - 1][b];
      tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}

uint32_t SoftwareCrc(const unsigned char* data, size_t size, uint32_t crc) {
  static const Tables tables = MakeTables();
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    word ^= crc;  // Little-endian: the CRC meets the first four bytes.
    crc = tables[7][word & 0xff] ^ tables[6][(word >> 8) & 0xff] ^
          tables[5][(word >> 16) & 0xff] ^ tables[4][(word >> 24) & 0xff] ^
          tables[3][(word >> 32) & 0xff] ^ tables[2][(word >> 40) & 0xff] ^
          tables[1][(word >> 48) & 0xff] ^ tables[0][word >> 56];
    data += 8;
    size -= 8;
  }
  while (size-- > 0) crc = (crc >> 8) ^ tables[0][(crc ^ *data++) & 0xff];
  return crc;
}

#if defined(__x86_64__)
// The SSE4.2 instruction takes 3 cycles and can start one every cycle: one
// stream of data keeps it a third busy. So long data is cut into three
// blocks of equal length whose CRCs run interleaved, each block's from 0,
// and joined after: the CRC register of A then B is that of A moved past
// |B| zero bytes (a linear map of the register), XOR that of B from 0.

// A linear map of the 32-bit register over GF(2): column n is the image of
// bit n.
using Matrix = std::array<uint32_t, 32>;

uint32_t Apply(const Matrix& matrix, uint32_t vector) {
  uint32_t image = 0;
  for (size_t n = 0; vector != 0; ++n, vector >>= 1) {
    if (vector & 1) image ^= matrix[n];
  }
  return image;
}

// `first`, then `second`.
Matrix Then(const Matrix& first, const Matrix& second) {
  Matrix composed{};
  for (size_t n = 0; n < 32; ++n) composed[n] = Apply(second, first[n]);
  return composed;
}

// What `bytes` zero bytes do to the register.
Matrix ZeroBytes(size_t bytes) {
  Matrix bit{};  // one zero bit: shift right, and fold the low bit back in
  bit[0] = kPolynomial;
  for (size_t n = 1; n < 32; ++n) bit[n] = uint32_t{1} << (n - 1);
  Matrix power = bit;
  for (int doubling = 0; doubling < 3; ++doubling) power = Then(power, power);
  Matrix result{};
  for (size_t n = 0; n < 32; ++n) result[n] = uint32_t{1} << n;
  for (; bytes != 0; bytes >>= 1) {
    if (bytes & 1) result = Then(result, power);
    power = Then(power, power);
  }
  return result;
}

// The register moved past a fixed count of zero bytes, a byte at a time.
class ZeroShift {
 public:
  explicit ZeroShift(size_t bytes) {
    const Matrix shift = ZeroBytes(bytes);
    for (uint32_t b = 0; b < 256; ++b) {
      for (size_t k = 0; k < 4; ++k) tables_[k][b] = Apply(shift, b << (8 * k));
    }
  }
  uint32_t operator()(uint32_t crc) const {
    return tables_[0][crc & 0xff] ^ tables_[1][(crc >> 8) & 0xff] ^
           tables_[2][(crc >> 16) & 0xff] ^ tables_[3][crc >> 24];
  }

 private:
  std::array<std::array<uint32_t, 256>, 4> tables_;
};

// Continues `crc` over `data` three blocks of `block` bytes at a time, the
// three interleaved, while `size` holds three; advances `data` and `size`
// past them. `shift` moves a register past `block` zero bytes.
__attribute__((target("sse4.2"))) uint64_t InterleavedCrc(
    const unsigned char*& data, size_t& size, uint64_t crc, size_t block,
    const ZeroShift& shift) {
  while (size >= 3 * block) {
    uint64_t second = 0;
    uint64_t third = 0;
    for (size_t at = 0; at < block; at += 8) {
      uint64_t words[3];
      std::memcpy(&words[0], data + at, 8);
      std::memcpy(&words[1], data + block + at, 8);
      std::memcpy(&words[2], data + 2 * block + at, 8);
      crc = _mm_crc32_u64(crc, words[0]);
      second = _mm_crc32_u64(second, words[1]);
      third = _mm_crc32_u64(third, words[2]);
    }
    crc = shift(static_cast<uint32_t>(crc)) ^ second;
    crc = shift(static_cast<uint32_t>(crc)) ^ third;
    data += 3 * block;
    size -= 3 * block;
  }
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t HardwareCrc(
    const unsigned char* data, size_t size, uint32_t crc) {
  constexpr size_t kLongBlock = 8192;
  constexpr size_t kShortBlock = 256;
  static const ZeroShift long_shift(kLongBlock);
  static const ZeroShift short_shift(kShortBlock);
  uint64_t wide = crc;
  wide = InterleavedCrc(data, size, wide, kLongBlock, long_shift);
  wide = InterleavedCrc(data, size, wide, kShortBlock, short_shift);
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    wide = _mm_crc32_u64(wide, word);
    data += 8;
    size -= 8;
  }
  crc = static_cast<uint32_t>(wide);
  while (size-- > 0) crc = _mm_crc32_u8(crc, *data++);
  return crc;
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t Crc32c(absl::string_view data, uint32_t crc) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  crc = ~crc;
#if defined(__x86_64__)
  if (HasSse42()) return ~HardwareCrc(bytes, data.size(), crc);
#endif
  return ~SoftwareCrc(bytes, data.size(), crc);
}

uint32_t Crc32cPortable(absl::string_view data, uint32_t crc) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  return ~SoftwareCrc(bytes, data.size(), ~crc);
}

}  // namespace troupe
