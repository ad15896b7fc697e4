#include "formats/crc32c.h"

#include <string>

#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("formats") {
  TEST_CASE("CRC-32C matches the published check values") {
    CHECK(Crc32c("") == 0);
    CHECK(Crc32c("123456789") == 0xe3069283u);
    // RFC 3720, appendix B.4.
    CHECK(Crc32c(std::string(32, '\0')) == 0x8a9136aau);
    CHECK(Crc32c(std::string(32, '\xff')) == 0x62a8ab43u);
    std::string ascending;
    for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
    CHECK(Crc32c(ascending) == 0x46dd794eu);
  }

  TEST_CASE("CRC-32C continues across pieces, at every split") {
    std::string data;
    for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
    const uint32_t whole = Crc32c(data);
    for (size_t split = 0; split <= data.size(); split += 37) {
      absl::string_view view(data);
      CHECK(Crc32c(view.substr(split), Crc32c(view.substr(0, split))) == whole);
    }
  }

  TEST_CASE("the portable CRC-32C agrees with the hardware one") {
    std::string data;
    for (int i = 0; i < 4096; ++i)
      data.push_back(static_cast<char>((i * 2654435761u) >> 13));
    absl::string_view view(data);
    for (size_t length = 0; length < 300; ++length) {
      CAPTURE(length);
      CHECK(Crc32cPortable(view.substr(length % 7, length)) ==
            Crc32c(view.substr(length % 7, length)));
    }
    CHECK(Crc32cPortable("123456789") == 0xe3069283u);
    CHECK(Crc32cPortable(view) == Crc32c(view));
  }

  TEST_CASE(
      "the hardware CRC-32C of long data, computed in interleaved blocks, "
      "agrees with the portable one around every block boundary") {
    std::string data;
    for (int i = 0; i < 200000; ++i)
      data.push_back(static_cast<char>((i * 2654435761u) >> 11));
    absl::string_view view(data);
    // Three blocks of 8192 bytes, then of 256 bytes, then words and bytes.
    for (size_t length : {767u, 768u, 769u, 24575u, 24576u, 24577u, 25351u,
                          49152u, 49927u, 131072u, 199990u}) {
      for (size_t start : {0u, 1u, 5u}) {
        CAPTURE(length);
        CAPTURE(start);
        CHECK(Crc32c(view.substr(start, length)) ==
              Crc32cPortable(view.substr(start, length)));
        CHECK(Crc32c(view.substr(start, length), 0x12345678u) ==
              Crc32cPortable(view.substr(start, length), 0x12345678u));
      }
    }
  }

  TEST_CASE("masking is TFRecord's and undoes itself") {
    CHECK(MaskCrc32c(0) == 0xa282ead8u);
    for (uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu})
      CHECK(UnmaskCrc32c(MaskCrc32c(crc)) == crc);
  }
}

}  // namespace
}  // namespace troupe
