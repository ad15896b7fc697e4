#include "formats/decode_csv.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "doctest/doctest.h"

#include "formats/csv_numbers.h"

namespace troupe {
namespace {

Tensor Records(std::vector<std::string> records) {
  const int64_t n = static_cast<int64_t>(records.size());
  return Tensor::FromStrings({n}, std::move(records));
}

// A length-1 default, as record_defaults=[[x]] makes it.
template <class T>
Tensor Default(T value) {
  return Tensor::FromVector<T>({1}, {std::move(value)});
}
Tensor Default(const char* value) { return Default(std::string(value)); }

// A required column: an empty default of `T`.
template <class T>
Tensor Required() {
  return Tensor::FromVector<T>({0}, {});
}

absl::StatusOr<std::vector<Tensor>> Decode(const Tensor& records,
                                           const std::vector<Tensor>& defaults,
                                           DecodeCsvOptions options = {}) {
  return DecodeCsv(records, defaults, options);
}

template <class T>
std::vector<T> Column(const absl::StatusOr<std::vector<Tensor>>& out,
                      size_t index) {
  REQUIRE(out.ok());
  if constexpr (std::is_same_v<T, std::string>) {
    const StringsView values = (*out)[index].strings();
    return std::vector<T>(values.begin(), values.end());
  } else {
    const absl::Span<const T> values = (*out)[index].flat<T>();
    return std::vector<T>(values.begin(), values.end());
  }
}

void ExpectError(const absl::StatusOr<std::vector<Tensor>>& out,
                 const std::string& text) {
  CHECK(absl::IsInvalidArgument(out.status()));
  CHECK(out.status().message() == text);
}

using Ints = std::vector<int32_t>;
using Strings = std::vector<std::string>;

TEST_SUITE("formats") {
  // decode_csv_op_test.py testSimple
  TEST_CASE("decode_csv: testSimple") {
    auto out = Decode(Records({"1", "2", "\"3\""}), {Default<int32_t>(1)});
    CHECK(Column<int32_t>(out, 0) == Ints{1, 2, 3});
    CHECK((*out)[0].shape() == Shape{3});
  }

  // testSimpleWithScalarDefaults
  TEST_CASE("decode_csv: testSimpleWithScalarDefaults") {
    auto out = Decode(Records({"1,4", "2,5", "3,6"}),
                      {Tensor::Scalar<int32_t>(1), Tensor::Scalar<int32_t>(2)});
    CHECK(Column<int32_t>(out, 0) == Ints{1, 2, 3});
    CHECK(Column<int32_t>(out, 1) == Ints{4, 5, 6});
  }

  // testSimpleWith2DDefaults (the kernel's text)
  TEST_CASE("decode_csv: testSimpleWith2DDefaults") {
    ExpectError(Decode(Records({"1", "2", "3"}),
                       {Tensor::FromVector<int32_t>({1, 1}, {0})}),
                "Each record default should be at most rank 1");
  }

  // testSimpleNoQuoteDelimiter
  TEST_CASE("decode_csv: testSimpleNoQuoteDelimiter") {
    DecodeCsvOptions options;
    options.use_quote_delim = false;
    auto out = Decode(Records({"1", "2", "\"3\""}), {Default("")}, options);
    CHECK(Column<std::string>(out, 0) == Strings{"1", "2", "\"3\""});
  }

  // testScalar: a scalar record gives scalar columns; quoted "" is missing.
  TEST_CASE("decode_csv: testScalar") {
    auto out = Decode(Tensor::Scalar<std::string>("1,\"\""),
                      {Default<int32_t>(3), Default<int32_t>(4)});
    CHECK(Column<int32_t>(out, 0) == Ints{1});
    CHECK(Column<int32_t>(out, 1) == Ints{4});
    CHECK((*out)[0].shape() == Shape{});
  }

  // test2D
  TEST_CASE("decode_csv: test2D") {
    auto out = Decode(Tensor::FromStrings({2, 2}, {"1", "2", "\"\"", "4"}),
                      {Default<int32_t>(5)});
    CHECK(Column<int32_t>(out, 0) == Ints{1, 2, 5, 4});
    CHECK((*out)[0].shape() == Shape{2, 2});
  }

  // test2DNoQuoteDelimiter
  TEST_CASE("decode_csv: test2DNoQuoteDelimiter") {
    DecodeCsvOptions options;
    options.use_quote_delim = false;
    auto out = Decode(Tensor::FromStrings({2, 2}, {"1", "2", "\"\"", "\""}),
                      {Default("")}, options);
    CHECK(Column<std::string>(out, 0) == Strings{"1", "2", "\"\"", "\""});
  }

  // testDouble
  TEST_CASE("decode_csv: testDouble") {
    auto out = Decode(Records({"1.0", "-1.79e+308", "\"1.79e+308\""}),
                      {Required<double>()});
    CHECK(Column<double>(out, 0) ==
          std::vector<double>{1.0, -1.79e+308, 1.79e+308});
  }

  // testInt64
  TEST_CASE("decode_csv: testInt64") {
    auto out =
        Decode(Records({"1", "2", "\"2147483648\""}), {Required<int64_t>()});
    CHECK(Column<int64_t>(out, 0) == std::vector<int64_t>{1, 2, 2147483648});
  }

  // testComplexString
  TEST_CASE("decode_csv: testComplexString") {
    auto out = Decode(
        Records({"\"1.0\"", "\"ab , c\"", "\"a\nbc\"", "\"ab\"\"c\"", " abc "}),
        {Default("1")});
    CHECK(Column<std::string>(out, 0) ==
          Strings{"1.0", "ab , c", "a\nbc", "ab\"c", " abc "});
  }

  // testMultiRecords
  TEST_CASE("decode_csv: testMultiRecords") {
    auto out = Decode(Records({"1.0,4,aa", "0.2,5,bb", "3,6,cc"}),
                      {Default(1.0f), Default<int32_t>(1), Default("aa")});
    CHECK(Column<float>(out, 0) == std::vector<float>{1.0f, 0.2f, 3.0f});
    CHECK(Column<int32_t>(out, 1) == Ints{4, 5, 6});
    CHECK(Column<std::string>(out, 2) == Strings{"aa", "bb", "cc"});
  }

  // testNA
  TEST_CASE("decode_csv: testNA") {
    DecodeCsvOptions options;
    options.na_value = "NA";
    auto out =
        Decode(Records({"2.0,NA,aa", "NA,5,bb", "3,6,NA"}),
               {Default(0.0f), Default<int32_t>(0), Default("")}, options);
    CHECK(Column<float>(out, 0) == std::vector<float>{2.0f, 0.0f, 3.0f});
    CHECK(Column<int32_t>(out, 1) == Ints{0, 5, 6});
    CHECK(Column<std::string>(out, 2) == Strings{"aa", "bb", ""});
  }

  // testWithDefaults
  TEST_CASE("decode_csv: testWithDefaults") {
    auto out = Decode(Records({",1,", "0.2,3,bcd", "3.0,,"}),
                      {Default(1.0f), Default<int32_t>(0), Default("a")});
    CHECK(Column<float>(out, 0) == std::vector<float>{1.0f, 0.2f, 3.0f});
    CHECK(Column<int32_t>(out, 1) == Ints{1, 3, 0});
    CHECK(Column<std::string>(out, 2) == Strings{"a", "bcd", "a"});
  }

  // testWithDefaultsAndNoQuoteDelimiter
  TEST_CASE("decode_csv: testWithDefaultsAndNoQuoteDelimiter") {
    DecodeCsvOptions options;
    options.use_quote_delim = false;
    auto out =
        Decode(Records({",1,", "0.2,3,bcd", "3.0,,\""}),
               {Default(1.0f), Default<int32_t>(0), Default("a")}, options);
    CHECK(Column<std::string>(out, 2) == Strings{"a", "bcd", "\""});
  }

  // testWithTabDelim
  TEST_CASE("decode_csv: testWithTabDelim") {
    DecodeCsvOptions options;
    options.field_delim = "\t";
    auto out = Decode(Records({"1\t1", "0.2\t3", "3.0\t"}),
                      {Default(1.0f), Default<int32_t>(0)}, options);
    CHECK(Column<float>(out, 0) == std::vector<float>{1.0f, 0.2f, 3.0f});
    CHECK(Column<int32_t>(out, 1) == Ints{1, 3, 0});
  }

  // testWithoutDefaultsError
  TEST_CASE("decode_csv: testWithoutDefaultsError") {
    ExpectError(Decode(Records({",1", "0.2,3", "3.0,"}),
                       {Default(1.0f), Required<int32_t>()}),
                "Field 1 is required but missing in record 2!");
  }

  // testWrongFieldIntError
  TEST_CASE("decode_csv: testWrongFieldIntError") {
    ExpectError(Decode(Records({",1", "0.2,234a", "3.0,2"}),
                       {Default(1.0f), Required<int32_t>()}),
                "Field 1 in record 1 is not a valid int32: 234a");
  }

  // testOutOfRangeError
  TEST_CASE("decode_csv: testOutOfRangeError") {
    ExpectError(Decode(Records({"1", "9999999999999999999999999", "3"}),
                       {Default<int32_t>(1)}),
                "Field 0 in record 1 is not a valid int32: "
                "9999999999999999999999999");
  }

  // testWrongFieldFloatError
  TEST_CASE("decode_csv: testWrongFieldFloatError") {
    ExpectError(Decode(Records({",1", "0.2,2", "3.0adf,3"}),
                       {Default(1.0f), Required<int32_t>()}),
                "Field 0 in record 2 is not a valid float: 3.0adf");
  }

  // testWrongFieldStringError
  TEST_CASE("decode_csv: testWrongFieldStringError") {
    ExpectError(Decode(Records({"\"1,a,\"", "0.22", "a\"bc"}), {Default("a")}),
                "Unquoted fields cannot have quotes/CRLFs inside");
  }

  // testWrongDefaults
  TEST_CASE("decode_csv: testWrongDefaults") {
    ExpectError(Decode(Records({",1", "0.2,2", "3.0adf,3"}), {Default(1.0f)}),
                "Expect 1 fields but have 2 in record 0");
  }

  // testShortQuotedString
  TEST_CASE("decode_csv: testShortQuotedString") {
    ExpectError(Decode(Records({"\""}), {Default("default")}),
                "Quoted field has to end with quote followed by delim or end");
  }

  // testSelectCols
  TEST_CASE("decode_csv: testSelectCols") {
    DecodeCsvOptions options;
    options.select_cols = {0, 1};
    auto out = Decode(Records({",,", "4,5,6"}),
                      {Default<int32_t>(1), Default<int32_t>(2)}, options);
    CHECK(Column<int32_t>(out, 0) == Ints{1, 4});
    CHECK(Column<int32_t>(out, 1) == Ints{2, 5});
  }

  // testSelectColsInclLast
  TEST_CASE("decode_csv: testSelectColsInclLast") {
    DecodeCsvOptions options;
    options.select_cols = {0, 1, 2};
    auto out =
        Decode(Records({",,", "4,5,6"}),
               {Default<int32_t>(0), Default<int32_t>(1), Default<int32_t>(2)},
               options);
    CHECK(Column<int32_t>(out, 0) == Ints{0, 4});
    CHECK(Column<int32_t>(out, 1) == Ints{1, 5});
    CHECK(Column<int32_t>(out, 2) == Ints{2, 6});
  }

  // testWrongSelectColsInclLast
  TEST_CASE("decode_csv: testWrongSelectColsInclLast") {
    DecodeCsvOptions options;
    options.select_cols = {0, 1, 3};
    ExpectError(
        Decode(Records({",,", "4,5,6"}),
               {Default<int32_t>(0), Default<int32_t>(1), Default<int32_t>(2)},
               options),
        "Expect 3 fields but have 2 in record 0");
  }

  // testWrongSelectColsLen, testWrongSelectColsSorting,
  // testWrongSelectColsIndicesNegative (the kernel's texts; Python's
  // ValueErrors word them otherwise)
  TEST_CASE("decode_csv: wrong select_cols") {
    const std::vector<Tensor> three = {Default<int32_t>(0), Default<int32_t>(0),
                                       Default<int32_t>(0)};
    const std::vector<Tensor> two = {Default<int32_t>(0), Default<int32_t>(1)};
    DecodeCsvOptions options;
    options.select_cols = {0};
    ExpectError(Decode(Records({"1,2,3", "4,5,6"}), three, options),
                "select_cols should match output size");
    options.select_cols = {1, 0};
    ExpectError(Decode(Records({"1,2,3"}), two, options),
                "select_cols should be strictly increasing indices");
    options.select_cols = {-1, 0};
    ExpectError(Decode(Records({"1,2,3"}), two, options),
                "select_cols should be non-negative indices");
  }

  // testWrongSelectColsIndicesTooHigh
  TEST_CASE("decode_csv: testWrongSelectColsIndicesTooHigh") {
    DecodeCsvOptions options;
    options.select_cols = {0, 3};
    ExpectError(Decode(Records({"1,2,3"}),
                       {Default<int32_t>(0), Default<int32_t>(1)}, options),
                "Expect 2 fields but have 1 in record 0");
  }

  TEST_CASE("decode_csv: the book's cell 19 and cell 20's records") {
    auto cell19 =
        Decode(Tensor::Scalar<std::string>("1.,,44"),
               {Default(5.0f), Default<int32_t>(6), Default<int32_t>(7)});
    CHECK(Column<float>(cell19, 0) == std::vector<float>{1.0f});
    CHECK(Column<int32_t>(cell19, 1) == Ints{6});
    CHECK(Column<int32_t>(cell19, 2) == Ints{44});
    auto cell20 =
        Decode(Records({"1.,, 0", "4., 5. , 1", "7., 8. , 0", "1.,    , 0"}),
               {Default(-1.0f), Default(-1.0f), Default<int32_t>(-1)});
    CHECK(Column<float>(cell20, 0) == std::vector<float>{1, 4, 7, 1});
    // Whitespace only is missing (TensorFlow: 0.0; TF 1.0: garbage).
    CHECK(Column<float>(cell20, 1) == std::vector<float>{-1, 5, 8, -1});
    CHECK(Column<int32_t>(cell20, 2) == Ints{0, 1, 0, 0});
    ExpectError(Decode(Records({"1,   "}), {Default(1.0f), Required<float>()}),
                "Field 1 is required but missing in record 0!");
  }

  TEST_CASE("decode_csv: splitting as TensorFlow's ExtractFields") {
    const std::vector<Tensor> one = {Default("d")};
    ExpectError(Decode(Records({""}), {Default("a"), Default("b")}),
                "Expect 2 fields but have 0 in record 0");
    ExpectError(Decode(Records({"a\nb"}), one),
                "Unquoted fields cannot have quotes/CRLFs inside");
    ExpectError(Decode(Records({"\"ab\"c"}), one),
                "Quote inside a string has to be escaped by another quote");
    ExpectError(Decode(Records({"\"abc"}), one),
                "Quoted field has to end with quote followed by delim or end");
    // A leading \n or \r of a field is skipped.
    auto leading = Decode(Records({"\r\nx"}), one);
    CHECK(Column<std::string>(leading, 0) == Strings{"x"});
    // A trailing delimiter is one more, empty field.
    auto trailing =
        Decode(Records({"3.0,,"}), {Default("a"), Default("b"), Default("c")});
    CHECK(Column<std::string>(trailing, 0) == Strings{"3.0"});
    CHECK(Column<std::string>(trailing, 2) == Strings{"c"});
    // Parsing stops after the last selected column.
    DecodeCsvOptions options;
    options.select_cols = {1};
    auto stops = Decode(Records({"a,b,c\"d"}), one, options);
    CHECK(Column<std::string>(stops, 0) == Strings{"b"});
    // The first error wins, with the record's flat index.
    ExpectError(Decode(Tensor::FromStrings({2, 2}, {"1", "2", "x", "y"}),
                       {Default<int32_t>(0)}),
                "Field 0 in record 2 is not a valid int32: x");
  }

  TEST_CASE("decode_csv: many quoted fields of one record keep their text") {
    std::string record;
    Strings expected;
    std::vector<Tensor> defaults;
    for (int f = 0; f < 100; ++f) {
      if (f > 0) record += ',';
      const std::string text = "v" + std::to_string(f);
      // Alternately quoted (with an escaped quote) and plain.
      record += f % 2 == 0 ? "\"" + text + "\"\"\"" : text;
      expected.push_back(f % 2 == 0 ? text + "\"" : text);
      defaults.push_back(Default(""));
    }
    auto out = Decode(Records({record, record}), defaults);
    REQUIRE(out.ok());
    for (size_t f = 0; f < expected.size(); ++f) {
      CAPTURE(f);
      CHECK(Column<std::string>(out, f) == Strings{expected[f], expected[f]});
    }
  }

  TEST_CASE("decode_csv: plain numbers read as their quoted forms are") {
    // A record of plain numbers is read in one pass; quoted, the same record
    // takes the general path. Both must give the same values and errors.
    const std::vector<Tensor> defaults = {Default(-1.0f), Default(-2.0),
                                          Default<int32_t>(-3),
                                          Default<int64_t>(-4)};
    const auto quoted = [](const std::string& record, char delim) {
      if (record.empty()) return record;
      std::string out = "\"";
      for (char c : record)
        out +=
            c == delim ? std::string("\"") + delim + "\"" : std::string(1, c);
      return out + "\"";
    };
    for (const std::string record : {"1.5,2.25,3,4",
                                     "-.5,1.,-0,-9223372036854775808",
                                     "1e3,2E-2,7,8",
                                     "0.1,1e400,1,2",
                                     "1,2,2147483647,9223372036854775807",
                                     "1,2,2147483648,1",
                                     "1,2,3",
                                     "1,2,3,4,",
                                     "1,2,3,4,5",
                                     ",,,",
                                     "+1,2,3,4",
                                     " 1,2,3,4",
                                     "1 ,2,3,4",
                                     "1,2,3.5,4",
                                     "1,2,-,4",
                                     "inf,nan,1,2",
                                     "0x1A,2,3,4",
                                     "1e,2,3,4",
                                     "1,2,3,4e",
                                     "1;2;3;4",
                                     "",
                                     "NA,2,3,4",
                                     "1.5,2.5,3,4.5"}) {
      CAPTURE(record);
      for (const std::string na : {"", "NA", "-3", "1.5"}) {
        CAPTURE(na);
        DecodeCsvOptions options;
        options.na_value = na;
        auto plain = Decode(Records({record, record}), defaults, options);
        auto general =
            Decode(Records({quoted(record, ','), quoted(record, ',')}),
                   defaults, options);
        REQUIRE(plain.status() == general.status());
        if (!plain.ok()) continue;
        for (size_t f = 0; f < defaults.size(); ++f) {
          CAPTURE(f);
          CHECK(std::memcmp((*plain)[f].data(), (*general)[f].data(),
                            (*plain)[f].byte_size()) == 0);
        }
      }
    }
    // A delimiter that can be part of a number keeps the general path.
    DecodeCsvOptions dot;
    dot.field_delim = ".";
    auto out =
        Decode(Records({"1.2"}), {Default<int32_t>(0), Default(0.0f)}, dot);
    CHECK(Column<int32_t>(out, 0) == Ints{1});
    CHECK(Column<float>(out, 1) == std::vector<float>{2});
  }

  TEST_CASE("decode_csv: defaults and options checked before any record") {
    ExpectError(
        Decode(Records({"1"}), {Tensor::FromVector<int32_t>({2}, {1, 2})}),
        "There should only be 1 default per field but field 0 has 2");
    ExpectError(Decode(Records({"1"}), {Default<int8_t>(1)}),
                "csv: data type int8 not supported in field 0");
    DecodeCsvOptions options;
    options.field_delim = ",,";
    ExpectError(Decode(Records({"1"}), {Default<int32_t>(1)}, options),
                "field_delim should be only 1 char");
    CHECK(absl::IsInvalidArgument(
        Decode(Tensor::Scalar<int32_t>(1), {Default<int32_t>(1)}).status()));
    auto empty = Decode(Tensor::FromStrings({0}, {}), {Default<int32_t>(1)});
    CHECK(Column<int32_t>(empty, 0).empty());
  }

  TEST_CASE("csv numbers: TensorFlow's safe_strto32/64 and strtof/d") {
    int32_t i32 = 0;
    CHECK(ParseCsvInt32(" -2147483648 ", &i32));
    CHECK(i32 == INT32_MIN);
    CHECK(ParseCsvInt32("2147483647", &i32));
    CHECK(!ParseCsvInt32("2147483648", &i32));
    CHECK(!ParseCsvInt32("+1", &i32));
    CHECK(!ParseCsvInt32("   ", &i32));
    CHECK(!ParseCsvInt32("1 2", &i32));
    CHECK(!ParseCsvInt32("-", &i32));
    int64_t i64 = 0;
    CHECK(ParseCsvInt64("-9223372036854775808", &i64));
    CHECK(i64 == INT64_MIN);
    CHECK(!ParseCsvInt64("9223372036854775808", &i64));
    double d = 0;
    CHECK(ParseCsvDouble(" 0x1A ", &d));
    CHECK(d == 26);
    CHECK(ParseCsvDouble("-InF", &d));
    CHECK(d == -INFINITY);
    CHECK(ParseCsvDouble("NaN", &d));
    CHECK(std::isnan(d));
    CHECK(ParseCsvDouble("+.5", &d));
    CHECK(d == 0.5);
    CHECK(ParseCsvDouble("5.", &d));
    CHECK(d == 5.0);
    // Plain decimals, read in one pass, and what only looks like one.
    CHECK(ParseCsvDouble("-.5", &d));
    CHECK(d == -0.5);
    CHECK(ParseCsvDouble(".25e2", &d));
    CHECK(d == 25.0);
    CHECK(ParseCsvDouble("007", &d));
    CHECK(d == 7.0);
    CHECK(!ParseCsvDouble("1..5", &d));
    CHECK(!ParseCsvDouble("1.5x", &d));
    CHECK(!ParseCsvDouble("-", &d));
    CHECK(!ParseCsvDouble("--1", &d));
    CHECK(!ParseCsvDouble("1e+", &d));
    CHECK(ParseCsvDouble("0x1A", &d));
    CHECK(d == 26.0);
    CHECK(ParseCsvDouble("1e400", &d));
    CHECK(d == INFINITY);
    CHECK(ParseCsvDouble("-1e400", &d));
    CHECK(d == -INFINITY);
    CHECK(ParseCsvDouble("1e-400", &d));
    CHECK(d == 0);
    CHECK(ParseCsvDouble("  -0.125e+1\t", &d));
    CHECK(d == -1.25);
    CHECK(!ParseCsvDouble("1e", &d));
    CHECK(!ParseCsvDouble("+-1", &d));
    CHECK(!ParseCsvDouble("1 .5", &d));
    CHECK(!ParseCsvDouble(".", &d));
    CHECK(!ParseCsvDouble("infinity", &d));
    CHECK(!ParseCsvDouble("0x", &d));
    CHECK(!ParseCsvDouble("1,5", &d));
    float f = 0;
    CHECK(ParseCsvFloat("3.4e39", &f));
    CHECK(f == INFINITY);
    CHECK(!ParseCsvFloat("3.0adf", &f));
    CHECK(ParseCsvFloat("0.1", &f));
    CHECK(f == 0.1f);
    CHECK(ParseCsvFloat("+0x10", &f));
    CHECK(f == 16);
  }
}

}  // namespace
}  // namespace troupe
