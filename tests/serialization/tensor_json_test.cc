#include "serialization/tensor_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

namespace troupe {
namespace {

using nlohmann::json;

json Parse(const std::string& text) {
  auto parsed = ParseJson(text);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  return *std::move(parsed);
}

absl::StatusOr<Tensor> FromText(const std::string& text, DType dtype) {
  return TensorFromJson(text, dtype);
}

// The INVALID_ARGUMENT message of converting `text`; fails the test if the
// conversion succeeds or fails with another code.
std::string ErrorOf(const std::string& text, DType dtype) {
  auto tensor = FromText(text, dtype);
  REQUIRE_FALSE(tensor.ok());
  CHECK(tensor.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(tensor.status().message());
}

std::string ShapesErrorOf(const std::string& text) {
  auto shapes = ShapesFromJson(Parse(text));
  REQUIRE_FALSE(shapes.ok());
  CHECK(shapes.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(shapes.status().message());
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Checks that `tensor` prints as `text` and that the text reads back as
// `tensor`.
void CheckRoundTrip(const Tensor& tensor, const std::string& text) {
  CHECK(TensorToJson(tensor) == text);
  auto back = FromText(text, tensor.dtype());
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->shape() == tensor.shape());
  CHECK(*back == tensor);
}

Tensor Bools(Shape shape, std::vector<char> bytes) {
  return Tensor::FromBytes(DType::kBool, std::move(shape), std::move(bytes));
}

TEST_SUITE("serialization") {
  TEST_CASE("ParseJson reads valid JSON text") {
    json value = Parse(R"( {"a": [1, 2.5, "x", true, null]} )");
    CHECK(value["a"][0] == 1);
    CHECK(value["a"][1] == 2.5);
    CHECK(value["a"][2] == "x");
    CHECK(Parse("7") == 7);
  }

  TEST_CASE("ParseJson reports malformed text with its byte offset") {
    struct Case {
      std::string text;
      std::string prefix;
    };
    for (const Case& c : {
             Case{"[1,x", "Malformed JSON at byte 3: syntax error"},
             Case{"", "Malformed JSON at byte 0: "},
             Case{"[1,2", "Malformed JSON at byte 4: "},
             Case{"[1] x", "Malformed JSON at byte 4: "},
             Case{"  \n [1,,2]", "Malformed JSON at byte 7: "},
             Case{"[NaN]", "Malformed JSON at byte 1: "},
         }) {
      CAPTURE(c.text);
      auto parsed = ParseJson(c.text);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
      std::string message(parsed.status().message());
      CHECK_MESSAGE(StartsWith(message, c.prefix), message);
      CHECK(message.find("json.exception") == std::string::npos);
    }
    auto truncated = ParseJson("[1,2");
    CHECK(std::string(truncated.status().message()) ==
          "Malformed JSON at byte 4: syntax error while parsing array - "
          "unexpected end of input; expected ']'");
  }

  TEST_CASE("ParseJson keeps its message valid UTF-8 for invalid input bytes") {
    auto parsed = ParseJson("\"\xff\"");
    REQUIRE_FALSE(parsed.ok());
    std::string message(parsed.status().message());
    CHECK(StartsWith(message, "Malformed JSON at byte 1: "));
    CHECK(message.find('\xff') == std::string::npos);
    CHECK_NOTHROW((void)json(message).dump());
  }

  TEST_CASE("Float tensors round-trip with their shortest digits") {
    CheckRoundTrip(Tensor::FromVector<float>({2, 2}, {0.1f, -2.5f, 1e-8f, 3}),
                   "[[0.1,-2.5],[1e-08,3.0]]");
    CheckRoundTrip(Tensor::FromVector<float>(
                       {3}, {std::numeric_limits<float>::max(),
                             std::numeric_limits<float>::lowest(),
                             std::numeric_limits<float>::denorm_min()}),
                   "[3.4028235e+38,-3.4028235e+38,1e-45]");
    CheckRoundTrip(Tensor::FromVector<double>({3}, {0.1, -1e300, 1.0 / 3}),
                   "[0.1,-1e+300,0.3333333333333333]");
  }

  TEST_CASE("Integer tensors round-trip as numbers") {
    CheckRoundTrip(Tensor::FromVector<int8_t>({3}, {-128, 0, 127}),
                   "[-128,0,127]");
    CheckRoundTrip(Tensor::FromVector<uint8_t>({3}, {0, 65, 255}),
                   "[0,65,255]");
    CheckRoundTrip(Tensor::FromVector<int16_t>({2}, {-32768, 32767}),
                   "[-32768,32767]");
    CheckRoundTrip(Tensor::FromVector<uint16_t>({2}, {0, 65535}), "[0,65535]");
    CheckRoundTrip(
        Tensor::FromVector<int32_t>({2}, {std::numeric_limits<int32_t>::min(),
                                          std::numeric_limits<int32_t>::max()}),
        "[-2147483648,2147483647]");
    CheckRoundTrip(
        Tensor::FromVector<int64_t>({2}, {std::numeric_limits<int64_t>::min(),
                                          std::numeric_limits<int64_t>::max()}),
        "[-9223372036854775808,9223372036854775807]");
  }

  TEST_CASE("Bool and string tensors round-trip") {
    CheckRoundTrip(Bools({2}, {1, 0}), "[true,false]");
    CheckRoundTrip(Tensor::FromStrings({2, 1}, {"", "h\xC3\xA9llo \"q\""}),
                   R"([[""],["héllo \"q\""]])");
  }

  TEST_CASE("Scalars are bare JSON values") {
    CheckRoundTrip(Tensor::Scalar<int32_t>(5), "5");
    CheckRoundTrip(Tensor::Scalar<double>(-2.5), "-2.5");
    CheckRoundTrip(Tensor::Scalar<std::string>("s"), "\"s\"");
    CheckRoundTrip(Bools({}, {1}), "true");
    auto scalar = FromText("7", DType::kInt64);
    REQUIRE(scalar.ok());
    CHECK(scalar->shape() == Shape{});
    CHECK(scalar->flat<int64_t>()[0] == 7);
  }

  TEST_CASE("Empty lists are zero-sized dimensions") {
    CheckRoundTrip(Tensor::FromVector<float>({0}, {}), "[]");
    CheckRoundTrip(Tensor::FromVector<int32_t>({2, 0}, {}), "[[],[]]");
    CheckRoundTrip(Tensor::FromStrings({1, 2, 0}, {}), "[[[],[]]]");
    auto empty = FromText("[]", DType::kString);
    REQUIRE(empty.ok());
    CHECK(empty->dtype() == DType::kString);
    CHECK(empty->shape() == Shape{0});
    // A zero outer dimension hides the inner ones, which JSON cannot show.
    CHECK(TensorToJson(Tensor::FromVector<int32_t>({0, 3}, {})) == "[]");
  }

  TEST_CASE("Three-level nesting gives a rank-3 tensor in row-major order") {
    auto tensor =
        FromText("[[[1,2,3],[4,5,6]],[[7,8,9],[10,11,12]]]", DType::kInt16);
    REQUIRE(tensor.ok());
    CHECK(tensor->shape() == Shape{2, 2, 3});
    auto flat = tensor->flat<int16_t>();
    CHECK(std::vector<int16_t>(flat.begin(), flat.end()) ==
          std::vector<int16_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    CHECK(TensorToJson(*tensor) == "[[[1,2,3],[4,5,6]],[[7,8,9],[10,11,12]]]");
  }

  TEST_CASE("TensorToJson follows a slice's own elements") {
    Tensor batch = Tensor::FromVector<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
    CHECK(TensorToJson(batch.Slice(1)) == "[3,4]");
  }

  TEST_CASE("Ragged lists are refused with the position of the mismatch") {
    CHECK(ErrorOf("[[1,2],[3]]", DType::kInt32) ==
          "Ragged nested list: expected 2 elements (at [1]), got 1 (the first "
          "elements give shape [2,2])");
    CHECK(ErrorOf("[1,[2]]", DType::kInt32) ==
          "Ragged nested list: expected a scalar (at [1]), got a list (the "
          "first elements give shape [2])");
    CHECK(ErrorOf("[[1],2]", DType::kFloat32) ==
          "Ragged nested list: expected a list of 1 elements (at [1]), got "
          "number 2");
    CHECK(
        StartsWith(ErrorOf("[[],[1]]", DType::kInt32),
                   "Ragged nested list: expected 0 elements (at [1]), got 1"));
    CHECK(StartsWith(ErrorOf("[[[1,2],[3,4]],[[5,6],[7]]]", DType::kInt32),
                     "Ragged nested list: expected 2 elements (at [1,1]), "
                     "got 1"));
    CHECK(StartsWith(ErrorOf(R"([["a"],"b"])", DType::kString),
                     "Ragged nested list: "));
  }

  TEST_CASE(
      "Of several errors the first in order wins, a list before its "
      "elements") {
    CHECK(ErrorOf(R"([[1,2,3],[4,"x"]])", DType::kInt32) ==
          "Ragged nested list: expected 3 elements (at [1]), got 2 (the first "
          "elements give shape [2,3])");
    CHECK(ErrorOf(R"([[1,"x"],[2,3],[4]])", DType::kInt32) ==
          "Expected an integer for dtype int32, got string \"x\" (at [0,1])");
    CHECK(ErrorOf(R"([[1,"x"],[2,3,4]])", DType::kInt32) ==
          "Expected an integer for dtype int32, got string \"x\" (at [0,1])");
    CHECK(ErrorOf(R"([[1,2],[3,"x",[5]],[[6]]])", DType::kInt32) ==
          "Ragged nested list: expected 2 elements (at [1]), got 3 (the first "
          "elements give shape [3,2])");
  }

  TEST_CASE("Integer dtypes refuse elements of other kinds") {
    CHECK(ErrorOf(R"("7")", DType::kInt32) ==
          "Expected an integer for dtype int32, got string \"7\"");
    CHECK(ErrorOf("[1,true]", DType::kInt64) ==
          "Expected an integer for dtype int64, got true (at [1])");
    CHECK(ErrorOf("[[1,2],[3,null]]", DType::kUint8) ==
          "Expected an integer for dtype uint8, got null (at [1,1])");
    CHECK(ErrorOf(R"({"a":1})", DType::kInt8) ==
          "Expected an integer for dtype int8, got an object");
    CHECK(ErrorOf(R"([{}])", DType::kInt16) ==
          "Expected an integer for dtype int16, got an object (at [0])");
  }

  TEST_CASE("Float dtypes refuse elements of other kinds") {
    CHECK(ErrorOf("[1,false]", DType::kFloat32) ==
          "Expected a number (or \"NaN\", \"Infinity\", \"-Infinity\") for "
          "dtype float32, got false (at [1])");
    CHECK(StartsWith(ErrorOf(R"(["nan"])", DType::kFloat64),
                     "Expected a number (or \"NaN\", \"Infinity\", "
                     "\"-Infinity\") for dtype float64, got string \"nan\""));
    CHECK(StartsWith(ErrorOf("null", DType::kFloat64), "Expected a number"));
  }

  TEST_CASE("Bool and string dtypes refuse elements of other kinds") {
    CHECK(ErrorOf("[true,1]", DType::kBool) ==
          "Expected true or false for dtype bool, got number 1 (at [1])");
    CHECK(ErrorOf(R"("true")", DType::kBool) ==
          "Expected true or false for dtype bool, got string \"true\"");
    CHECK(ErrorOf(R"(["a",1])", DType::kString) ==
          "Expected a string (or {\"b64\": \"<base64>\"}) for dtype string, "
          "got number 1 (at [1])");
    CHECK(ErrorOf("[true]", DType::kString) ==
          "Expected a string (or {\"b64\": \"<base64>\"}) for dtype string, "
          "got true (at [0])");
    CHECK(ErrorOf("null", DType::kString) ==
          "Expected a string (or {\"b64\": \"<base64>\"}) for dtype string, "
          "got null");
    CHECK(ErrorOf(R"([{"x":"QQ=="}])", DType::kString) ==
          "Expected a string (or {\"b64\": \"<base64>\"}) for dtype string, "
          "got an object (at [0])");
    CHECK(StartsWith(ErrorOf(R"([{"b64":"QQ==","x":1}])", DType::kString),
                     "Expected a string (or {\"b64\""));
    CHECK(ErrorOf(R"(["a",{"b64":"*"}])", DType::kString) ==
          "Expected standard base64 in {\"b64\": ...}, got string \"*\" "
          "(at [1])");
    CHECK(ErrorOf(R"({"b64":7})", DType::kString) ==
          "Expected standard base64 in {\"b64\": ...}, got number 7");
    // A long bad string is quoted by a short, escaped prefix.
    const std::string long_string = "\"\\n" + std::string(1 << 20, 'x') + "\"";
    CHECK(ErrorOf("[" + long_string + "]", DType::kInt32) ==
          "Expected an integer for dtype int32, got string \"\\n" +
              std::string(61, 'x') + "... (at [0])");
    CHECK(ErrorOf(R"([{"x":[1]}])", DType::kBool) ==
          "Expected true or false for dtype bool, got an object (at [0])");
  }

  TEST_CASE("Integer dtypes enforce their ranges") {
    struct Case {
      DType dtype;
      std::string text;
      bool ok;
    };
    for (const Case& c : {
             Case{DType::kInt8, "127", true},
             Case{DType::kInt8, "128", false},
             Case{DType::kInt8, "-128", true},
             Case{DType::kInt8, "-129", false},
             Case{DType::kUint8, "255", true},
             Case{DType::kUint8, "256", false},
             Case{DType::kUint8, "-1", false},
             Case{DType::kInt16, "32767", true},
             Case{DType::kInt16, "-32769", false},
             Case{DType::kUint16, "65535", true},
             Case{DType::kUint16, "65536", false},
             Case{DType::kInt32, "2147483647", true},
             Case{DType::kInt32, "2147483648", false},
             Case{DType::kInt32, "-2147483649", false},
             Case{DType::kInt64, "9223372036854775807", true},
             Case{DType::kInt64, "-9223372036854775808", true},
             Case{DType::kInt64, "9223372036854775808", false},
             Case{DType::kInt64, "18446744073709551616", false},
             Case{DType::kInt64, "1e19", false},
             Case{DType::kInt64, "-9.3e18", false},
             Case{DType::kInt16, "1e5", false},
             Case{DType::kInt8, "127.0", true},
             Case{DType::kInt8, "128.0", false},
             Case{DType::kInt8, "-128.0", true},
             Case{DType::kInt8, "-129.0", false},
             Case{DType::kUint16, "65535.0", true},
             Case{DType::kUint16, "65536.0", false},
             Case{DType::kUint8, "-1.0", false},
             Case{DType::kInt64, "9223372036854775808.0", false},
             Case{DType::kInt64, "-9223372036854775808.0", true},
         }) {
      CAPTURE(c.text);
      CAPTURE(DTypeCliName(c.dtype));
      auto tensor = FromText(c.text, c.dtype);
      CHECK(tensor.ok() == c.ok);
      if (!c.ok) {
        CHECK(tensor.status().code() == absl::StatusCode::kInvalidArgument);
        std::string message(tensor.status().message());
        CHECK_MESSAGE(message.find(" is out of range for " +
                                   DTypeCliName(c.dtype)) != std::string::npos,
                      message);
      }
    }
    CHECK(ErrorOf("300", DType::kUint8) ==
          "Value 300 is out of range for uint8");
    CHECK(ErrorOf("[1,65536]", DType::kUint16) ==
          "Value 65536 is out of range for uint16 (at [1])");
    auto large =
        FromText("[9007199254740993,-9223372036854775807]", DType::kInt64);
    REQUIRE(large.ok());
    CHECK(large->flat<int64_t>()[0] == 9007199254740993);
    CHECK(large->flat<int64_t>()[1] == -9223372036854775807);
    auto edges = FromText("[-128,127]", DType::kInt8);
    REQUIRE(edges.ok());
    CHECK(edges->flat<int8_t>()[0] == -128);
    CHECK(edges->flat<int8_t>()[1] == 127);
  }

  TEST_CASE("Integer dtypes refuse non-integral numbers and accept 3.0") {
    CHECK(ErrorOf("3.5", DType::kInt32) == "Value 3.5 is not a valid int32");
    CHECK(ErrorOf("[1,-0.25]", DType::kInt64) ==
          "Value -0.25 is not a valid int64 (at [1])");
    CHECK(ErrorOf("1e-3", DType::kUint8) == "Value 0.001 is not a valid uint8");
    auto integral = FromText("[3.0,1e3,-2.0]", DType::kInt32);
    REQUIRE(integral.ok());
    auto flat = integral->flat<int32_t>();
    CHECK(std::vector<int32_t>(flat.begin(), flat.end()) ==
          std::vector<int32_t>{3, 1000, -2});
  }

  TEST_CASE("Integers are read exactly from their text, never rounded") {
    auto exact = FromText(
        "[9007199254740993.0, 9.007199254740993e15, 90071992547409930e-1,"
        " -9223372036854775808.0, -0.0, 0e5, 1.5e1]",
        DType::kInt64);
    REQUIRE_MESSAGE(exact.ok(), exact.status().ToString());
    auto flat = exact->flat<int64_t>();
    CHECK(std::vector<int64_t>(flat.begin(), flat.end()) ==
          std::vector<int64_t>{9007199254740993, 9007199254740993,
                               9007199254740993,
                               std::numeric_limits<int64_t>::min(), 0, 0, 15});
    CHECK(ErrorOf("-9223372036854775809", DType::kInt64) ==
          "Value -9223372036854775809 is out of range for int64");
    CHECK(ErrorOf("[-9223372036854775809.0]", DType::kInt64) ==
          "Value -9223372036854775809.0 is out of range for int64 (at [0])");
    CHECK(ErrorOf("1e20", DType::kUint16) ==
          "Value 1e20 is out of range for uint16");
    CHECK(ErrorOf("-1e308", DType::kInt8) ==
          "Value -1e308 is out of range for int8");
    CHECK(ParseJson("[1, -1e400]").status().ToString() ==
          "INVALID_ARGUMENT: Value -1e400 is out of range for every dtype "
          "(beyond float64; at byte 4)");
    CHECK(ErrorOf("9007199254740993.5", DType::kInt64) ==
          "Value 9007199254740993.5 is not a valid int64");
    CHECK(ErrorOf("1e-400", DType::kInt32) ==
          "Value 1e-400 is not a valid int32");
    CHECK(ErrorOf("1.00000000000000000001", DType::kInt8) ==
          "Value 1.00000000000000000001 is not a valid int8");
    CHECK(ErrorOf("18446744073709551615.5", DType::kUint8) ==
          "Value 18446744073709551615.5 is not a valid uint8");
    // Floats round as TensorFlow's parsing does, the sign of zero included.
    auto floats =
        FromText("[-0.0, 1e-400, 9007199254740993.5, 1e300]", DType::kFloat64);
    REQUIRE_MESSAGE(floats.ok(), floats.status().ToString());
    CHECK(std::signbit(floats->flat<double>()[0]));
    CHECK(floats->flat<double>()[1] == 0.0);
    CHECK(floats->flat<double>()[2] == 9007199254740994.0);
    CHECK(floats->flat<double>()[3] == 1e300);
    auto narrow = FromText("[1e-400, 340282346638528859811704183484516925440]",
                           DType::kFloat32);
    REQUIRE_MESSAGE(narrow.ok(), narrow.status().ToString());
    CHECK(narrow->flat<float>()[0] == 0.0f);
    CHECK(narrow->flat<float>()[1] == std::numeric_limits<float>::max());
    // Shapes read their dimensions exactly too.
    CHECK(ShapesErrorOf("[[9007199254740993.5]]") ==
          "Shape 0 dimension 0: expected a non-negative integer, or null or -1 "
          "for an unknown dimension; got number 9007199254740993.5");
    CHECK(ShapesFromJson(Parse("[[2.0, 3e0]]")).value() ==
          std::vector<PartialShape>{PartialShape{2, 3}});
  }

  TEST_CASE("ReadJsonNumber reads the exact value of a number's text") {
    using Kind = JsonNumberValue::Kind;
    struct Case {
      const char* text;
      Kind kind;
      bool negative;
      uint64_t magnitude;
    };
    for (const Case& c : {
             Case{"0", Kind::kInteger, false, 0},
             Case{"-0.000", Kind::kInteger, true, 0},
             Case{"12.50e1", Kind::kInteger, false, 125},
             Case{"1250E-2", Kind::kNotAnInteger, false, 0},
             Case{"-1E+2", Kind::kInteger, true, 100},
             Case{"18446744073709551615", Kind::kInteger, false,
                  18446744073709551615u},
             Case{"18446744073709551616", Kind::kBeyond64Bits, false, 0},
             Case{"1e99999999999999999999", Kind::kBeyond64Bits, false, 0},
             Case{"1e-99999999999999999999", Kind::kNotAnInteger, false, 0},
             Case{"0.1e1", Kind::kInteger, false, 1},
             Case{"abc", Kind::kNotAnInteger, false, 0},
             Case{"1.", Kind::kNotAnInteger, false, 0},
         }) {
      CAPTURE(c.text);
      JsonNumberValue value = ReadJsonNumber(c.text);
      CHECK(value.kind == c.kind);
      if (c.kind == Kind::kInteger) {
        CHECK(value.negative == c.negative);
        CHECK(value.magnitude == c.magnitude);
      }
    }
  }

  TEST_CASE("Float dtypes accept integers and narrow float64 to float32") {
    auto tensor = FromText("[1,-2,0.1,18446744073709551615]", DType::kFloat32);
    REQUIRE(tensor.ok());
    auto flat = tensor->flat<float>();
    CHECK(flat[0] == 1.0f);
    CHECK(flat[1] == -2.0f);
    CHECK(flat[2] == 0.1f);
    CHECK(flat[3] == 18446744073709551615.0f);
    auto max = FromText("[3.4028235e38,-3.4028235e38]", DType::kFloat32);
    REQUIRE(max.ok());
    CHECK(max->flat<float>()[0] == std::numeric_limits<float>::max());
    CHECK(max->flat<float>()[1] == std::numeric_limits<float>::lowest());
    CHECK(ErrorOf("[1e39]", DType::kFloat32) ==
          "Value 1e39 is out of range for float32 (at [0])");
    CHECK(ErrorOf("[-3.5e38]", DType::kFloat32) ==
          "Value -3.5e38 is out of range for float32 (at [0])");
    auto wide = FromText("[1e39,5e-324]", DType::kFloat64);
    REQUIRE(wide.ok());
    CHECK(wide->flat<double>()[0] == 1e39);
    CHECK(wide->flat<double>()[1] == 5e-324);
  }

  TEST_CASE("Non-finite floats are the strings NaN, Infinity and -Infinity") {
    constexpr float kInf = std::numeric_limits<float>::infinity();
    Tensor tensor = Tensor::FromVector<float>(
        {3}, {std::numeric_limits<float>::quiet_NaN(), kInf, -kInf});
    CHECK(TensorToJson(tensor) == R"(["NaN","Infinity","-Infinity"])");
    auto back = FromText(R"(["NaN","Infinity","-Infinity"])", DType::kFloat64);
    REQUIRE(back.ok());
    auto flat = back->flat<double>();
    CHECK(std::isnan(flat[0]));
    CHECK(flat[1] == std::numeric_limits<double>::infinity());
    CHECK(flat[2] == -std::numeric_limits<double>::infinity());
    CHECK(ErrorOf(R"("NaN")", DType::kInt32) ==
          "Expected an integer for dtype int32, got string \"NaN\"");
  }

  TEST_CASE(
      "Strings of any bytes round-trip: UTF-8 as strings, others as b64") {
    Tensor tensor = Tensor::FromStrings(
        {4}, {"ok\xff", "\xC3", "\xED\xA0\x80", "caf\xC3\xA9"});
    const std::string text = TensorToJson(tensor);
    CHECK(text == R"([{"b64":"b2v/"},{"b64":"ww=="},{"b64":"7aCA"},")"
                  "caf\xC3\xA9\"]");
    auto back = FromText(text, DType::kString);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == tensor);
    CHECK(TensorToJson(Tensor::Scalar<std::string>(std::string("a\0b", 3))) ==
          "\"a\\u0000b\"");
    CHECK(FromText(R"({"b64":"YWJj"})", DType::kString).value() ==
          Tensor::Scalar<std::string>("abc"));
    CHECK(FromText(R"({"b64":""})", DType::kString).value() ==
          Tensor::Scalar<std::string>(""));

    // Every byte value alone, and all 256 in one string, through JSON text.
    std::vector<std::string> strings;
    std::string all;
    for (int byte = 0; byte < 256; ++byte) {
      strings.push_back(std::string(1, static_cast<char>(byte)));
      all.push_back(static_cast<char>(byte));
    }
    strings.push_back(all);
    Tensor bytes = Tensor::FromStrings({257}, strings);
    std::string printed = TensorToJson(bytes);
    auto read = FromText(printed, DType::kString);
    REQUIRE_MESSAGE(read.ok(), read.status().ToString());
    CHECK(*read == bytes);
    json parsed = Parse(printed);
    CHECK(parsed[0x41] == "A");
    CHECK(parsed[0x80] == json{{"b64", "gA=="}});
    CHECK(parsed[256].is_object());
  }

  TEST_CASE("An invalid dtype is refused") {
    auto tensor = TensorFromJson("[1]", DType::kInvalid);
    REQUIRE_FALSE(tensor.ok());
    CHECK(tensor.status().code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("Nesting deeper than 64 levels is refused") {
    auto nested = [](int depth) {
      return std::string(static_cast<size_t>(depth), '[') + "1" +
             std::string(static_cast<size_t>(depth), ']');
    };
    auto deepest = FromText(nested(64), DType::kInt32);
    REQUIRE(deepest.ok());
    CHECK(deepest->shape() == Shape(64, 1));
    CHECK(TensorToJson(*deepest) == nested(64));
    CHECK(ErrorOf(nested(65), DType::kInt32) ==
          "Nested lists deeper than 64 levels; a tensor from JSON has rank at "
          "most 64");
    // Deep nesting below a shallow first element is ragged, found without
    // descending into it.
    CHECK(StartsWith(ErrorOf("[1," + nested(65) + "]", DType::kInt32),
                     "Ragged nested list: expected a scalar (at [1])"));
  }

  TEST_CASE(
      "ParseJson refuses nesting deeper than 66 levels before building it") {
    auto nested = [](int depth, const char* open, const char* inner,
                     const char* close) {
      std::string text;
      for (int i = 0; i < depth; ++i) text += open;
      text += inner;
      for (int i = 0; i < depth; ++i) text += close;
      return text;
    };
    CHECK(ParseJson(nested(kMaxJsonDepth, "[", "1", "]")).ok());
    CHECK(ParseJson(nested(kMaxJsonDepth, "{\"a\":", "1", "}")).ok());
    for (const std::string& text :
         {nested(kMaxJsonDepth + 1, "[", "1", "]"),
          nested(kMaxJsonDepth + 1, "{\"a\":", "1", "}"),
          nested(60000, "[", "", "]"), nested(100000, "{\"a\":[", "", "]}"),
          "[1," + nested(100000, "[", "1", "]") + "]"}) {
      auto parsed = ParseJson(text);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(parsed.status().message() == "JSON nested deeper than 66 levels");
    }
    // Unbalanced deep text is refused as deep, before its end is reached.
    CHECK(ParseJson(std::string(100000, '[')).status().message() ==
          "JSON nested deeper than 66 levels");
  }

  TEST_CASE("ParseJson refuses an object with a repeated key") {
    auto parsed = ParseJson(R"({"b64": "QQ==", "b64": "Qg=="})");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().ToString() ==
          "INVALID_ARGUMENT: Repeated key \"b64\" in a JSON object");
  }

  TEST_CASE("TupleFromJson converts one entry per dtype") {
    auto tuple = TupleFromJson(R"([[1.5,2],"s",[[true],[false]]])",
                               {DType::kFloat32, DType::kString, DType::kBool});
    REQUIRE(tuple.ok());
    REQUIRE(tuple->size() == 3);
    CHECK((*tuple)[0] == Tensor::FromVector<float>({2}, {1.5f, 2.0f}));
    CHECK((*tuple)[1] == Tensor::Scalar<std::string>("s"));
    CHECK((*tuple)[2] == Bools({2, 1}, {1, 0}));
    CHECK(TupleToJson(*tuple) == R"([[1.5,2.0],"s",[[true],[false]]])");
    auto none = TupleFromJson("[]", {});
    REQUIRE(none.ok());
    CHECK(none->empty());
    CHECK(TupleToJson({}) == "[]");
  }

  TEST_CASE("TupleFromJson refuses a wrong number of components") {
    auto too_few = TupleFromJson("[[1]]", {DType::kInt32, DType::kInt32});
    REQUIRE_FALSE(too_few.ok());
    CHECK(too_few.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(too_few.status().message()) ==
          "Wrong number of components in tuple. Expected 2, got 1");
    auto too_many = TupleFromJson("[1,2,3]", {DType::kInt32});
    REQUIRE_FALSE(too_many.ok());
    CHECK(std::string(too_many.status().message()) ==
          "Wrong number of components in tuple. Expected 1, got 3");
    // A single component is still wrapped in the components array.
    auto bare = TupleFromJson("5", {DType::kInt32});
    REQUIRE_FALSE(bare.ok());
    CHECK(bare.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(bare.status().message()) ==
          "Components must be a JSON array with one entry per component, got "
          "number 5");
  }

  TEST_CASE("TupleFromJson names the component that fails") {
    auto tuple =
        TupleFromJson(R"([[1,2],[3,"x"]])", {DType::kInt32, DType::kInt32});
    REQUIRE_FALSE(tuple.ok());
    CHECK(tuple.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(tuple.status().message()) ==
          "Component 1: Expected an integer for dtype int32, got string \"x\" "
          "(at [1])");
    auto ragged = TupleFromJson(R"([[[1],[2,3]]])", {DType::kUint8});
    REQUIRE_FALSE(ragged.ok());
    CHECK(StartsWith(std::string(ragged.status().message()),
                     "Component 0: Ragged nested list: "));
  }

  TEST_CASE("BatchFromJson reads an empty list as 0 elements of the shape") {
    const std::vector<DType> dtypes = {DType::kFloat32, DType::kString,
                                       DType::kInt32};
    auto empty = BatchFromJson(
        "[[], [], []]", dtypes,
        {PartialShape{2, 3}, PartialShape{PartialShape::kUnknownDim, 4},
         PartialShape{}});
    REQUIRE_MESSAGE(empty.ok(), empty.status().ToString());
    CHECK((*empty)[0].shape() == Shape{0, 2, 3});
    CHECK((*empty)[0].dtype() == DType::kFloat32);
    CHECK((*empty)[1].shape() == Shape{0, 0, 4});
    CHECK((*empty)[1].dtype() == DType::kString);
    CHECK((*empty)[2].shape() == Shape{0});
    // Without declared shapes [] stays shape [0]; lists with elements keep
    // the shape they give.
    auto undeclared = BatchFromJson("[[]]", {DType::kInt8}, {});
    REQUIRE(undeclared.ok());
    CHECK((*undeclared)[0].shape() == Shape{0});
    auto full = BatchFromJson("[[[1,2,3],[4,5,6]]]", {DType::kInt32},
                              {PartialShape{3}});
    REQUIRE(full.ok());
    CHECK((*full)[0].shape() == Shape{2, 3});
    CHECK(StartsWith(
        BatchFromJson("[[], 3]", {DType::kInt32}, {{}}).status().ToString(),
        "INVALID_ARGUMENT: Wrong number of components"));
  }

  TEST_CASE("ShapesFromJson reads component shapes with unknown dimensions") {
    auto shapes = ShapesFromJson(Parse("[[2],[3,null],[-1,4],[]]"));
    REQUIRE(shapes.ok());
    CHECK(*shapes ==
          std::vector<PartialShape>{PartialShape{2}, PartialShape{3, -1},
                                    PartialShape{-1, 4}, PartialShape{}});
    auto none = ShapesFromJson(Parse("[]"));
    REQUIRE(none.ok());
    CHECK(none->empty());
    auto scalar = ShapesFromJson(Parse("[[]]"));
    REQUIRE(scalar.ok());
    REQUIRE(scalar->size() == 1);
    CHECK((*scalar)[0] == PartialShape{});
    CHECK((*scalar)[0].known_rank);
    auto zero = ShapesFromJson(Parse("[[0,2.0]]"));
    REQUIRE(zero.ok());
    CHECK((*zero)[0] == PartialShape{0, 2});
  }

  TEST_CASE("ShapesFromJson refuses malformed shapes") {
    CHECK(ShapesErrorOf("[2,3]") ==
          "Shape 0 must be an array of dimensions, got number 2; write one "
          "array per component, e.g. [[2,3]] for one component of shape "
          "[2,3]");
    CHECK(StartsWith(ShapesErrorOf("{}"),
                     "Shapes must be a JSON array with one array of "
                     "dimensions per component"));
    CHECK(StartsWith(ShapesErrorOf("null"), "Shapes must be a JSON array"));
    CHECK(StartsWith(ShapesErrorOf("[[1],null]"),
                     "Shape 1 must be an array of dimensions, got null"));
    CHECK(ShapesErrorOf("[[1],[2,-2]]") ==
          "Shape 1 dimension 1: expected a non-negative integer, or null or "
          "-1 for an unknown dimension; got number -2");
    CHECK(StartsWith(ShapesErrorOf("[[1.5]]"),
                     "Shape 0 dimension 0: expected a non-negative integer"));
    CHECK(StartsWith(ShapesErrorOf(R"([["2"]])"),
                     "Shape 0 dimension 0: expected"));
    CHECK(
        StartsWith(ShapesErrorOf("[[[2]]]"), "Shape 0 dimension 0: expected"));
    CHECK(
        StartsWith(ShapesErrorOf("[[true]]"), "Shape 0 dimension 0: expected"));
    CHECK(StartsWith(ShapesErrorOf("[[9223372036854775808]]"),
                     "Shape 0 dimension 0: expected"));
  }

  TEST_CASE("Shapes print as JSON with null for unknown dimensions") {
    std::vector<PartialShape> shapes = {PartialShape{2}, PartialShape{3, -1},
                                        PartialShape{}};
    json value = ShapesToJson(shapes);
    CHECK(value.dump() == "[[2],[3,null],[]]");
    auto back = ShapesFromJson(value);
    REQUIRE(back.ok());
    CHECK(*back == shapes);
    CHECK(ShapesToJson({}).dump() == "[]");
    CHECK(ShapesToJson({PartialShape::UnknownRank()}).dump() == "[null]");
    CHECK(ShapeToJson({2, 3}).dump() == "[2,3]");
    CHECK(ShapeToJson({}).dump() == "[]");
  }
}

}  // namespace
}  // namespace troupe
