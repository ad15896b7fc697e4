#include "serialization/tensor_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "serialization/utf8.h"

namespace troupe {

namespace {

using nlohmann::json;
using ValueType = json::value_t;

// At most this many bytes of elements are reserved up front. The first path
// through the lists gives the shape before raggedness is known, so its product
// is not trusted with an allocation; vectors grow past this as elements come.
constexpr size_t kMaxReserveBytes = size_t{8} << 20;
// Longest quotation of the input inside an error message, in bytes.
constexpr size_t kMaxQuoteBytes = 64;

constexpr char kNaN[] = "NaN";
constexpr char kInfinity[] = "Infinity";
constexpr char kMinusInfinity[] = "-Infinity";
// The key of {"b64": "..."}, a string element that is not valid UTF-8.
constexpr char kBase64Key[] = "b64";

// -- Messages -----------------------------------------------------------------

std::string Quote(const json& value);

// What `value` is, for "expected X, got <this>" messages. Never dumps a
// container, whose nesting may be arbitrarily deep.
std::string Describe(const json& value) {
  switch (value.type()) {
    case ValueType::null:
      return "null";
    case ValueType::object:
      return "an object";
    case ValueType::array:
      return "a list";
    case ValueType::boolean:
      return value.get<bool>() ? "true" : "false";
    case ValueType::string:
      return absl::StrCat("string ", Quote(value));
    case ValueType::number_integer:
    case ValueType::number_unsigned:
    case ValueType::number_float:
      return absl::StrCat("number ", Quote(value));
    case ValueType::binary:
      if (std::optional<std::string> text = JsonNumberText(value)) {
        return absl::StrCat("number ",
                            TruncateUtf8(*std::move(text), kMaxQuoteBytes));
      }
      return "binary data";
    case ValueType::discarded:
      return "a discarded value";
  }
  return "an unknown value";
}

// A scalar as it appears in the input: 3.5, "abc", true (shortened if long).
std::string Quote(const json& value) {
  if (std::optional<std::string> text = JsonNumberText(value)) {
    return TruncateUtf8(*std::move(text), kMaxQuoteBytes);
  }
  if (value.is_structured()) return Describe(value);
  if (value.is_string()) {
    // Only a prefix is escaped (the string may be megabytes long), enough
    // for the quotation to be cut, with "...", whenever the string is.
    const std::string& s = *value.get_ptr<const json::string_t*>();
    return TruncateUtf8(
        json(s.substr(0, kMaxQuoteBytes + 1))
            .dump(-1, ' ', false, json::error_handler_t::replace),
        kMaxQuoteBytes);
  }
  return TruncateUtf8(
      value.dump(-1, ' ', false, json::error_handler_t::replace),
      kMaxQuoteBytes);
}

// " (at [1,0])" for the element at `index`; "" for a scalar tensor.
std::string AtIndex(const std::vector<int64_t>& index) {
  if (index.empty()) return "";
  return absl::StrCat(" (at [", absl::StrJoin(index, ","), "])");
}

// -- Reading elements ---------------------------------------------------------

// An integer read exactly from a JSON number: its sign and magnitude.
struct ExactInteger {
  bool negative = false;
  uint64_t magnitude = 0;
};

// How a JSON number reads as an integer.
enum class IntegerReading { kExact, kNotAnInteger, kOutOfRange, kNotANumber };

// Reads `value` as an integer without rounding: 3, -2, 3.0 and 1e3 are
// integers, and so is a number ParseJson kept as its text if the text is an
// exact integer. Magnitudes beyond 64 bits are kOutOfRange.
IntegerReading ReadExactInteger(const json& value, ExactInteger* out) {
  switch (value.type()) {
    case ValueType::number_integer: {
      int64_t x = *value.get_ptr<const json::number_integer_t*>();
      out->negative = x < 0;
      // Through uint64 so that the magnitude of INT64_MIN does not overflow.
      out->magnitude = x < 0 ? uint64_t{0} - static_cast<uint64_t>(x)
                             : static_cast<uint64_t>(x);
      return IntegerReading::kExact;
    }
    case ValueType::number_unsigned:
      out->magnitude = *value.get_ptr<const json::number_unsigned_t*>();
      return IntegerReading::kExact;
    case ValueType::number_float: {
      // A double built in C++ (ParseJson gives doubles only to numbers that
      // are not integers, and to -0.0): exact by definition.
      double x = *value.get_ptr<const json::number_float_t*>();
      if (std::trunc(x) != x) return IntegerReading::kNotAnInteger;
      constexpr double kTwoTo64 = 18446744073709551616.0;
      if (!(std::fabs(x) < kTwoTo64)) return IntegerReading::kOutOfRange;
      out->negative = x < 0;
      out->magnitude = static_cast<uint64_t>(std::fabs(x));
      return IntegerReading::kExact;
    }
    case ValueType::binary: {
      std::optional<std::string> text = JsonNumberText(value);
      if (!text) return IntegerReading::kNotANumber;
      JsonNumberValue exact = ReadJsonNumber(*text);
      switch (exact.kind) {
        case JsonNumberValue::Kind::kInteger:
          out->negative = exact.negative && exact.magnitude != 0;
          out->magnitude = exact.magnitude;
          return IntegerReading::kExact;
        case JsonNumberValue::Kind::kBeyond64Bits:
          return IntegerReading::kOutOfRange;
        case JsonNumberValue::Kind::kNotAnInteger:
          return IntegerReading::kNotAnInteger;
      }
      return IntegerReading::kNotAnInteger;
    }
    default:
      return IntegerReading::kNotANumber;
  }
}

// `x` as T if T holds it.
template <class T>
std::optional<T> Narrow(const ExactInteger& x) {
  using Limits = std::numeric_limits<T>;
  if (x.negative) {
    if (!Limits::is_signed) return std::nullopt;
    // |min| of a signed T is max + 1.
    if (x.magnitude - 1 > static_cast<uint64_t>(Limits::max())) {
      return std::nullopt;
    }
    return static_cast<T>(-static_cast<T>(x.magnitude - 1) - 1);
  }
  if (x.magnitude > static_cast<uint64_t>(Limits::max())) return std::nullopt;
  return static_cast<T>(x.magnitude);
}

// The value of an integral JSON number (3, -2, 3.0, 1e3) that fits int64.
std::optional<int64_t> IntegralValue(const json& value) {
  ExactInteger x;
  if (ReadExactInteger(value, &x) != IntegerReading::kExact) {
    return std::nullopt;
  }
  return Narrow<int64_t>(x);
}

absl::Status NotValid(const json& value, DType dtype,
                      const std::vector<int64_t>& index) {
  return absl::InvalidArgumentError(
      absl::StrCat("Value ", Quote(value), " is not a valid ",
                   DTypeCliName(dtype), AtIndex(index)));
}

absl::Status OutOfRange(const json& value, DType dtype,
                        const std::vector<int64_t>& index) {
  return absl::InvalidArgumentError(
      absl::StrCat("Value ", Quote(value), " is out of range for ",
                   DTypeCliName(dtype), AtIndex(index)));
}

absl::Status WrongKind(const json& value, absl::string_view expected,
                       DType dtype, const std::vector<int64_t>& index) {
  return absl::InvalidArgumentError(
      absl::StrCat("Expected ", expected, " for dtype ", DTypeCliName(dtype),
                   ", got ", Describe(value), AtIndex(index)));
}

template <class T>
absl::Status ReadInteger(const json& value, const std::vector<int64_t>& index,
                         T* out) {
  constexpr DType kDType = DTypeOf<T>::value;
  ExactInteger x;
  switch (ReadExactInteger(value, &x)) {
    case IntegerReading::kExact:
      break;
    case IntegerReading::kNotAnInteger:
      return NotValid(value, kDType, index);
    case IntegerReading::kOutOfRange:
      return OutOfRange(value, kDType, index);
    case IntegerReading::kNotANumber:
      return WrongKind(value, "an integer", kDType, index);
  }
  std::optional<T> narrowed = Narrow<T>(x);
  if (!narrowed) return OutOfRange(value, kDType, index);
  *out = *narrowed;
  return absl::OkStatus();
}

// The double nearest to a JSON number given as a double or kept as its text
// (a text whose magnitude is below the least double reads as zero).
std::optional<double> DoubleOf(const json& value) {
  if (value.is_number_float()) {
    return *value.get_ptr<const json::number_float_t*>();
  }
  std::optional<std::string> text = JsonNumberText(value);
  if (!text) return std::nullopt;
  double x = 0;
  auto [end, error] =
      std::from_chars(text->data(), text->data() + text->size(), x);
  if (error == std::errc::result_out_of_range) {
    // ParseJson refuses numbers beyond the doubles, so this is underflow.
    return text->front() == '-' ? -0.0 : 0.0;
  }
  if (error != std::errc() || end != text->data() + text->size()) {
    return std::nullopt;
  }
  return x;
}

template <class T>
absl::Status ReadFloat(const json& value, const std::vector<int64_t>& index,
                       T* out) {
  constexpr DType kDType = DTypeOf<T>::value;
  switch (value.type()) {
    case ValueType::number_integer:
      *out = static_cast<T>(*value.get_ptr<const json::number_integer_t*>());
      return absl::OkStatus();
    case ValueType::number_unsigned:
      *out = static_cast<T>(*value.get_ptr<const json::number_unsigned_t*>());
      return absl::OkStatus();
    case ValueType::binary:
    case ValueType::number_float: {
      std::optional<double> number = DoubleOf(value);
      if (!number) break;
      double x = *number;
      if constexpr (std::is_same_v<T, float>) {
        constexpr double kMax = std::numeric_limits<float>::max();
        if (std::isfinite(x) && std::fabs(x) > kMax) {
          // Below 2^128 - 2^103 (halfway to the next power of two) a double
          // still rounds to +-FLT_MAX; from there on it would be infinite.
          if (std::fabs(x) >= std::ldexp(1.0, 128) - std::ldexp(1.0, 103)) {
            return OutOfRange(value, kDType, index);
          }
          *out = x > 0 ? std::numeric_limits<float>::max()
                       : std::numeric_limits<float>::lowest();
          return absl::OkStatus();
        }
      }
      *out = static_cast<T>(x);
      return absl::OkStatus();
    }
    case ValueType::string: {
      const std::string& s = *value.get_ptr<const json::string_t*>();
      if (s == kNaN) {
        *out = std::numeric_limits<T>::quiet_NaN();
        return absl::OkStatus();
      }
      if (s == kInfinity || s == kMinusInfinity) {
        *out = s == kInfinity ? std::numeric_limits<T>::infinity()
                              : -std::numeric_limits<T>::infinity();
        return absl::OkStatus();
      }
      break;
    }
    default:
      break;
  }
  return WrongKind(value, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")",
                   kDType, index);
}

// A string element: a JSON string, or {"b64": "..."} with its bytes in
// standard base64.
absl::StatusOr<std::string> ReadString(const json& value,
                                       const std::vector<int64_t>& index) {
  if (value.is_string()) return *value.get_ptr<const json::string_t*>();
  if (value.is_object() && value.size() == 1 && value.contains(kBase64Key)) {
    const json& encoded = value[kBase64Key];
    std::string bytes;
    if (encoded.is_string() &&
        absl::Base64Unescape(*encoded.get_ptr<const json::string_t*>(),
                             &bytes)) {
      return bytes;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("Expected standard base64 in {\"b64\": ...}, got ",
                     Describe(encoded), AtIndex(index)));
  }
  return WrongKind(value, "a string (or {\"b64\": \"<base64>\"})",
                   DType::kString, index);
}

// How a Reader stores elements of T before building the tensor: bool goes
// through bytes because std::vector<bool> is packed, strings are packed.
template <class T>
struct StoredAs {
  using type = std::vector<T>;
};
template <>
struct StoredAs<bool> {
  using type = std::vector<char>;
};
template <>
struct StoredAs<std::string> {
  using type = StringList;
};

// Walks a nested list of known `shape`, checking that it is rectangular and
// appending its elements, converted to T, to one flat vector.
template <class T>
class Reader {
 public:
  explicit Reader(const Shape& shape) : shape_(shape) {
    index_.reserve(shape.size());
    auto count = NumElements(shape);
    if (!count.ok()) return;
    if constexpr (std::is_same_v<T, std::string>) {
      values_.Reserve(std::min(static_cast<size_t>(*count),
                               kMaxReserveBytes / sizeof(uint64_t)),
                      0);
    } else {
      values_.reserve(std::min(static_cast<size_t>(*count),
                               kMaxReserveBytes / sizeof(values_[0])));
    }
  }

  // Reads `value`, the list at nesting `depth`.
  absl::Status Read(const json& value, size_t depth) {
    if (depth == shape_.size()) return Append(value);
    if (!value.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Ragged nested list: expected a list of ", shape_[depth], " elements",
          AtIndex(index_), ", got ", Describe(value)));
    }
    if (static_cast<int64_t>(value.size()) != shape_[depth]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Ragged nested list: expected ", shape_[depth], " elements",
          AtIndex(index_), ", got ", value.size(),
          " (the first elements give shape ", ShapeToString(shape_), ")"));
    }
    index_.push_back(0);
    for (const json& element : value) {
      TROUPE_RETURN_IF_ERROR(Read(element, depth + 1));
      ++index_.back();
    }
    index_.pop_back();
    return absl::OkStatus();
  }

  Tensor Finish() && {
    if constexpr (std::is_same_v<T, bool>) {
      return Tensor::FromBytes(DType::kBool, shape_, std::move(values_));
    } else if constexpr (std::is_same_v<T, std::string>) {
      return Tensor::FromStrings(shape_, std::move(values_));
    } else {
      return Tensor::FromVector<T>(shape_, values_);
    }
  }

 private:
  absl::Status Append(const json& value) {
    if (value.is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Ragged nested list: expected a scalar", AtIndex(index_),
                       ", got a list (the first elements give shape ",
                       ShapeToString(shape_), ")"));
    }
    constexpr DType kDType = DTypeOf<T>::value;
    if constexpr (std::is_same_v<T, std::string>) {
      TROUPE_ASSIGN_OR_RETURN(std::string bytes, ReadString(value, index_));
      values_.Append(bytes);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) {
        return WrongKind(value, "true or false", kDType, index_);
      }
      values_.push_back(*value.get_ptr<const json::boolean_t*>() ? 1 : 0);
    } else {
      T x{};
      if constexpr (std::is_floating_point_v<T>) {
        TROUPE_RETURN_IF_ERROR(ReadFloat(value, index_, &x));
      } else {
        TROUPE_RETURN_IF_ERROR(ReadInteger(value, index_, &x));
      }
      values_.push_back(x);
    }
    return absl::OkStatus();
  }

  const Shape& shape_;
  std::vector<int64_t> index_;  // Position of the list being read.
  typename StoredAs<T>::type values_;
};

template <class T>
absl::StatusOr<Tensor> Read(const json& value, const Shape& shape) {
  Reader<T> reader(shape);
  TROUPE_RETURN_IF_ERROR(reader.Read(value, 0));
  return std::move(reader).Finish();
}

// -- Writing elements ---------------------------------------------------------

json NonFinite(double x) {
  if (std::isnan(x)) return kNaN;
  return x > 0 ? kInfinity : kMinusInfinity;
}

json FloatToJson(float x) {
  if (!std::isfinite(x)) return NonFinite(x);
  // The shortest decimal that reads back as `x`, held as the double nearest to
  // it, which nlohmann prints with the same digits (0.1f is 0.1, not
  // 0.10000000149011612).
  char text[32];
  auto written = std::to_chars(text, text + sizeof(text), x);
  double shortest = x;
  if (written.ec == std::errc()) {
    std::from_chars(text, written.ptr, shortest);
  }
  return shortest;
}

json DoubleToJson(double x) {
  if (!std::isfinite(x)) return NonFinite(x);
  return x;
}

json StringToJson(absl::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  return json{{kBase64Key, absl::Base64Escape(s)}};
}

// The elements of `tensor` as T: a span of numbers, or the strings.
template <class T>
auto Elements(const Tensor& tensor) {
  if constexpr (std::is_same_v<T, std::string>) {
    return tensor.strings();
  } else {
    return tensor.flat<T>();
  }
}

template <class T>
void AppendLeaves(const Tensor& tensor, std::vector<json>* leaves) {
  for (const auto& x : Elements<T>(tensor)) {
    if constexpr (std::is_same_v<T, float>) {
      leaves->push_back(FloatToJson(x));
    } else if constexpr (std::is_same_v<T, double>) {
      leaves->push_back(DoubleToJson(x));
    } else if constexpr (std::is_same_v<T, std::string>) {
      leaves->push_back(StringToJson(x));
    } else if constexpr (std::is_same_v<T, bool>) {
      leaves->push_back(x);
    } else if constexpr (std::is_signed_v<T>) {
      leaves->push_back(static_cast<int64_t>(x));
    } else {
      leaves->push_back(static_cast<uint64_t>(x));
    }
  }
}

// The product of shape[0..end), or nullopt if it is negative or overflows.
std::optional<size_t> PrefixCount(const Shape& shape, size_t end) {
  auto count = NumElements(Shape(shape.begin(), shape.begin() + end));
  if (!count.ok()) return std::nullopt;
  return static_cast<size_t>(*count);
}

}  // namespace

absl::StatusOr<json> ParseJson(absl::string_view text) {
  return ParseBoundedJson(text, kMaxJsonDepth);
}

absl::StatusOr<Tensor> TensorFromJson(const json& value, DType dtype) {
  // The shape follows the first element at every level; Reader then checks
  // that every other list agrees with it.
  Shape shape;
  for (const json* level = &value; level->is_array(); level = &level->front()) {
    if (shape.size() == static_cast<size_t>(kMaxJsonTensorRank)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Nested lists deeper than ", kMaxJsonTensorRank,
          " levels; a tensor from JSON has rank at most ", kMaxJsonTensorRank));
    }
    shape.push_back(static_cast<int64_t>(level->size()));
    if (level->empty()) break;
  }
  switch (dtype) {
    case DType::kFloat32:
      return Read<float>(value, shape);
    case DType::kFloat64:
      return Read<double>(value, shape);
    case DType::kInt8:
      return Read<int8_t>(value, shape);
    case DType::kInt16:
      return Read<int16_t>(value, shape);
    case DType::kInt32:
      return Read<int32_t>(value, shape);
    case DType::kInt64:
      return Read<int64_t>(value, shape);
    case DType::kUint8:
      return Read<uint8_t>(value, shape);
    case DType::kUint16:
      return Read<uint16_t>(value, shape);
    case DType::kBool:
      return Read<bool>(value, shape);
    case DType::kString:
      return Read<std::string>(value, shape);
    case DType::kInvalid:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Cannot read JSON as a tensor of ", DTypeCliName(dtype)));
}

absl::StatusOr<Tuple> TupleFromJson(const json& components,
                                    const std::vector<DType>& dtypes) {
  if (!components.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Components must be a JSON array with one entry per component, got ",
        Describe(components)));
  }
  if (components.size() != dtypes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Wrong number of components in tuple. Expected ",
                     dtypes.size(), ", got ", components.size()));
  }
  Tuple tuple;
  tuple.reserve(dtypes.size());
  for (size_t i = 0; i < dtypes.size(); ++i) {
    absl::StatusOr<Tensor> tensor = TensorFromJson(components[i], dtypes[i]);
    if (!tensor.ok()) {
      return absl::Status(
          tensor.status().code(),
          absl::StrCat("Component ", i, ": ", tensor.status().message()));
    }
    tuple.push_back(*std::move(tensor));
  }
  return tuple;
}

absl::StatusOr<Tuple> BatchFromJson(const json& components,
                                    const std::vector<DType>& dtypes,
                                    const std::vector<PartialShape>& shapes) {
  TROUPE_ASSIGN_OR_RETURN(Tuple tuple, TupleFromJson(components, dtypes));
  if (shapes.size() != tuple.size()) return tuple;
  for (size_t i = 0; i < tuple.size(); ++i) {
    const json& component = components[i];
    if (!component.is_array() || !component.empty() || !shapes[i].known_rank) {
      continue;
    }
    Shape shape = {0};
    for (int64_t dim : shapes[i].dims) {
      shape.push_back(dim == PartialShape::kUnknownDim ? 0 : dim);
    }
    tuple[i] = Tensor::Zeros(dtypes[i], std::move(shape));
  }
  return tuple;
}

json TensorToJson(const Tensor& tensor) {
  std::vector<json> level;
  level.reserve(static_cast<size_t>(tensor.num_elements()));
  switch (tensor.dtype()) {
    case DType::kFloat32:
      AppendLeaves<float>(tensor, &level);
      break;
    case DType::kFloat64:
      AppendLeaves<double>(tensor, &level);
      break;
    case DType::kInt8:
      AppendLeaves<int8_t>(tensor, &level);
      break;
    case DType::kInt16:
      AppendLeaves<int16_t>(tensor, &level);
      break;
    case DType::kInt32:
      AppendLeaves<int32_t>(tensor, &level);
      break;
    case DType::kInt64:
      AppendLeaves<int64_t>(tensor, &level);
      break;
    case DType::kUint8:
      AppendLeaves<uint8_t>(tensor, &level);
      break;
    case DType::kUint16:
      AppendLeaves<uint16_t>(tensor, &level);
      break;
    case DType::kBool:
      AppendLeaves<bool>(tensor, &level);
      break;
    case DType::kString:
      AppendLeaves<std::string>(tensor, &level);
      break;
    case DType::kInvalid:
      return nullptr;
  }
  // Group the flat elements into lists from the innermost dimension out,
  // without recursion: level d holds prefix-count(d) lists of shape[d] each.
  const Shape& shape = tensor.shape();
  for (size_t d = shape.size(); d-- > 0;) {
    std::optional<size_t> lists = PrefixCount(shape, d);
    size_t width = static_cast<size_t>(shape[d]);
    if (!lists || shape[d] < 0 || *lists * width != level.size()) {
      return nullptr;  // An invalid tensor; see REQUIRES.
    }
    std::vector<json> outer;
    outer.reserve(*lists);
    auto begin = level.begin();
    for (size_t i = 0; i < *lists;
         ++i, begin += static_cast<ptrdiff_t>(width)) {
      json list(ValueType::array);
      list.get_ref<json::array_t&>().assign(
          std::make_move_iterator(begin),
          std::make_move_iterator(begin + static_cast<ptrdiff_t>(width)));
      outer.push_back(std::move(list));
    }
    level = std::move(outer);
  }
  if (level.size() != 1) return nullptr;
  return std::move(level.front());
}

json TupleToJson(const Tuple& tuple) {
  json components(ValueType::array);
  auto& array = components.get_ref<json::array_t&>();
  array.reserve(tuple.size());
  for (const Tensor& tensor : tuple) array.push_back(TensorToJson(tensor));
  return components;
}

absl::StatusOr<std::vector<PartialShape>> ShapesFromJson(const json& value) {
  if (!value.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shapes must be a JSON array with one array of dimensions per "
        "component, e.g. [[2],[3,null]]; got ",
        Describe(value)));
  }
  std::vector<PartialShape> shapes;
  shapes.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& dims = value[i];
    if (!dims.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shape ", i, " must be an array of dimensions, got ", Describe(dims),
          "; write one array per component, e.g. [[2,3]] for one component "
          "of shape [2,3]"));
    }
    PartialShape shape;
    shape.dims.reserve(dims.size());
    for (size_t j = 0; j < dims.size(); ++j) {
      if (dims[j].is_null()) {
        shape.dims.push_back(PartialShape::kUnknownDim);
        continue;
      }
      std::optional<int64_t> dim = IntegralValue(dims[j]);
      if (!dim || *dim < PartialShape::kUnknownDim) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Shape ", i, " dimension ", j,
            ": expected a non-negative integer, or null or -1 for an unknown "
            "dimension; got ",
            Describe(dims[j])));
      }
      shape.dims.push_back(*dim);
    }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

json ShapesToJson(const std::vector<PartialShape>& shapes) {
  json result(ValueType::array);
  for (const PartialShape& shape : shapes) {
    if (!shape.known_rank) {
      result.push_back(nullptr);
      continue;
    }
    json dims(ValueType::array);
    for (int64_t dim : shape.dims) {
      if (dim == PartialShape::kUnknownDim) {
        dims.push_back(nullptr);
      } else {
        dims.push_back(dim);
      }
    }
    result.push_back(std::move(dims));
  }
  return result;
}

json ShapeToJson(const Shape& shape) {
  json dims(ValueType::array);
  for (int64_t dim : shape) dims.push_back(dim);
  return dims;
}

absl::StatusOr<Shape> ShapeFromJson(const json& value) {
  if (!value.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "A shape must be a JSON array of non-negative integers, e.g. [2,3]; "
        "got ",
        Describe(value)));
  }
  Shape shape;
  shape.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    std::optional<int64_t> dim = IntegralValue(value[i]);
    if (!dim || *dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Shape dimension ", i, ": expected a non-negative integer, got ",
          Describe(value[i])));
    }
    shape.push_back(*dim);
  }
  if (auto count = NumElements(shape); !count.ok()) return count.status();
  return shape;
}

}  // namespace troupe
