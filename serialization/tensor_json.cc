#include "serialization/tensor_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "serialization/bounded_json_sax.h"
#include "serialization/json_builder.h"
#include "serialization/utf8.h"

namespace troupe {

namespace {

using nlohmann::json;
using ValueType = json::value_t;

// At most this many bytes of elements are reserved up front (see
// TypedElementsReader); vectors grow past this as elements come.
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

// How elements of T are stored before the tensor is built: bool goes through
// bytes because std::vector<bool> is packed, strings are packed.
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

// The elements of one tensor, converted as they come.
class ElementsReader {
 public:
  virtual ~ElementsReader() = default;
  // An element given as a value: a scalar, or a (small) object.
  virtual absl::Status Add(const json& value,
                           const std::vector<int64_t>& index) = 0;
  // An element given as a JSON string.
  virtual absl::Status AddString(std::string& value,
                                 const std::vector<int64_t>& index) = 0;
  virtual Tensor Finish(const Shape& shape) && = 0;
};

template <class T>
class TypedElementsReader final : public ElementsReader {
 public:
  explicit TypedElementsReader(const Shape& shape) {
    // The shape is what the first elements give, not yet checked: it is not
    // trusted with a larger allocation.
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

  absl::Status Add(const json& value,
                   const std::vector<int64_t>& index) override {
    constexpr DType kDType = DTypeOf<T>::value;
    if constexpr (std::is_same_v<T, std::string>) {
      TROUPE_ASSIGN_OR_RETURN(std::string bytes, ReadString(value, index));
      values_.Append(bytes);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!value.is_boolean()) {
        return WrongKind(value, "true or false", kDType, index);
      }
      values_.push_back(*value.get_ptr<const json::boolean_t*>() ? 1 : 0);
    } else {
      T x{};
      if constexpr (std::is_floating_point_v<T>) {
        TROUPE_RETURN_IF_ERROR(ReadFloat(value, index, &x));
      } else {
        TROUPE_RETURN_IF_ERROR(ReadInteger(value, index, &x));
      }
      values_.push_back(x);
    }
    return absl::OkStatus();
  }

  absl::Status AddString(std::string& value,
                         const std::vector<int64_t>& index) override {
    if constexpr (std::is_same_v<T, std::string>) {
      values_.Append(value);
      return absl::OkStatus();
    } else {
      return Add(json(std::move(value)), index);
    }
  }

  Tensor Finish(const Shape& shape) && override {
    if constexpr (std::is_same_v<T, bool>) {
      return Tensor::FromBytes(DType::kBool, shape, std::move(values_));
    } else if constexpr (std::is_same_v<T, std::string>) {
      return Tensor::FromStrings(shape, std::move(values_));
    } else {
      return Tensor::FromVector<T>(shape, values_);
    }
  }

 private:
  typename StoredAs<T>::type values_;
};

std::unique_ptr<ElementsReader> MakeElementsReader(DType dtype,
                                                   const Shape& shape) {
  switch (dtype) {
    case DType::kFloat32:
      return std::make_unique<TypedElementsReader<float>>(shape);
    case DType::kFloat64:
      return std::make_unique<TypedElementsReader<double>>(shape);
    case DType::kInt8:
      return std::make_unique<TypedElementsReader<int8_t>>(shape);
    case DType::kInt16:
      return std::make_unique<TypedElementsReader<int16_t>>(shape);
    case DType::kInt32:
      return std::make_unique<TypedElementsReader<int32_t>>(shape);
    case DType::kInt64:
      return std::make_unique<TypedElementsReader<int64_t>>(shape);
    case DType::kUint8:
      return std::make_unique<TypedElementsReader<uint8_t>>(shape);
    case DType::kUint16:
      return std::make_unique<TypedElementsReader<uint16_t>>(shape);
    case DType::kBool:
      return std::make_unique<TypedElementsReader<bool>>(shape);
    case DType::kString:
      return std::make_unique<TypedElementsReader<std::string>>(shape);
    case DType::kInvalid:
      break;
  }
  return nullptr;
}

// What the first pass over JSON text finds: whether the root is a list (and
// how long), and the shape of each tensor, following its first element at
// every level.
struct TensorLayout {
  Shape shape;
  bool too_deep = false;  // The first elements nest deeper than the rank limit.
};
struct JsonLayout {
  bool root_is_array = false;
  int64_t root_count = 0;        // Elements of the root list.
  std::string root_description;  // The root, when it is not a list.
  std::vector<TensorLayout> tensors;
};

// The first pass: checks the text (syntax, nesting, repeated keys) and finds
// its layout, keeping nothing of the elements. The tensors are the values at
// nesting `tensor_depth`: 0 for one tensor, 1 for the components of a tuple.
class LayoutScanner final : public BoundedJsonSax {
 public:
  explicit LayoutScanner(size_t tensor_depth)
      : BoundedJsonSax(kMaxJsonDepth), tensor_depth_(tensor_depth) {}

  bool OnScalar(json value) override {
    if (stack_.empty()) layout_.root_description = Describe(value);
    Begin(false);
    return true;
  }
  bool OnString(string_t& value) override {
    if (stack_.empty()) layout_.root_description = Describe(json(value));
    Begin(false);
    return true;
  }
  bool OnKey(string_t& /*key*/) override { return true; }
  bool OnStartObject() override {
    if (stack_.empty()) layout_.root_description = "an object";
    Begin(false);
    stack_.push_back(Open{});
    return true;
  }
  bool OnEndObject() override {
    stack_.pop_back();
    return true;
  }
  bool OnStartArray() override {
    bool first_path = Begin(true);
    if (first_path) {
      TensorLayout& tensor = layout_.tensors.back();
      if (tensor.shape.size() == static_cast<size_t>(kMaxJsonTensorRank)) {
        tensor.too_deep = true;
        first_path = false;
      } else {
        tensor.shape.push_back(0);
      }
    }
    stack_.push_back(Open{true, 0, first_path});
    return true;
  }
  bool OnEndArray() override {
    const Open list = stack_.back();
    stack_.pop_back();
    if (list.first_path) {
      layout_.tensors.back().shape[stack_.size() - tensor_depth_] = list.count;
    }
    if (stack_.empty()) layout_.root_count = list.count;
    return true;
  }

  JsonLayout Finish() && { return std::move(layout_); }

 private:
  // An open array or object.
  struct Open {
    bool array = false;
    int64_t count = 0;        // Its elements so far.
    bool first_path = false;  // Its tensor's first list at its level.
  };

  // Notes a value that begins; returns whether it is a tensor or its first
  // element at every level so far.
  bool Begin(bool is_array) {
    const size_t depth = stack_.size();
    if (depth == 0) layout_.root_is_array = is_array;
    bool first_path = false;
    if (depth == tensor_depth_ && (depth == 0 || stack_.back().array)) {
      layout_.tensors.emplace_back();
      first_path = true;
    } else if (depth > tensor_depth_) {
      const Open& parent = stack_.back();
      first_path = parent.array && parent.first_path && parent.count == 0;
    }
    if (depth > 0) ++stack_.back().count;
    return first_path;
  }

  const size_t tensor_depth_;
  std::vector<Open> stack_;
  JsonLayout layout_;
};

// The second pass: converts the elements of each tensor as they come into
// its storage, checking that the lists agree with the layout. The error is
// the one a walk of the whole value in order would meet first: a list of the
// wrong length is found at its end, and wins over an error inside it.
class TensorsReader final : public BoundedJsonSax {
 public:
  TensorsReader(size_t tensor_depth, const std::vector<DType>& dtypes,
                const JsonLayout& layout)
      : BoundedJsonSax(kMaxJsonDepth),
        tensor_depth_(tensor_depth),
        dtypes_(dtypes),
        layout_(layout) {}

  bool OnScalar(json value) override {
    if (object_) return object_->OnScalar(std::move(value));
    if (skipped_ > 0) return true;
    BeginElement();
    if (Checking()) {
      if (levels_.size() < shape().size()) {
        NotAList(value);
      } else {
        Check(elements_->Add(value, levels_));
      }
    }
    return EndElement();
  }
  bool OnString(string_t& value) override {
    if (object_) return object_->OnString(value);
    if (skipped_ > 0) return true;
    BeginElement();
    if (Checking()) {
      if (levels_.size() < shape().size()) {
        NotAList(json(std::move(value)));
      } else {
        Check(elements_->AddString(value, levels_));
      }
    }
    return EndElement();
  }
  bool OnKey(string_t& key) override {
    return object_ ? object_->OnKey(key) : true;
  }
  bool OnStartObject() override {
    if (object_) {
      ++object_depth_;
      return object_->OnStartObject();
    }
    if (skipped_ > 0) {
      ++skipped_;
      return true;
    }
    BeginElement();
    if (Checking() && levels_.size() == shape().size()) {
      // An element given as an object ({"b64": ...}): built, then converted.
      object_.emplace(kMaxJsonDepth);
      object_depth_ = 1;
      return object_->OnStartObject();
    }
    if (Checking()) NotAList(json::object());
    skipped_ = 1;
    return true;
  }
  bool OnEndObject() override {
    if (object_) {
      object_->OnEndObject();
      if (--object_depth_ > 0) return true;
      const json value = std::move(*object_).Take();
      object_.reset();
      Check(elements_->Add(value, levels_));
      return EndElement();
    }
    if (--skipped_ > 0) return true;
    return EndElement();
  }
  bool OnStartArray() override {
    if (object_) {
      ++object_depth_;
      return object_->OnStartArray();
    }
    if (skipped_ > 0) {
      ++skipped_;
      return true;
    }
    if (!in_tensor_ && tensor_depth_ > 0 && !in_components_) {
      in_components_ = true;  // The list of components.
      return true;
    }
    BeginElement();
    if (Checking() && levels_.size() == shape().size()) {
      Fail(absl::InvalidArgumentError(absl::StrCat(
          "Ragged nested list: expected a scalar", AtIndex(levels_),
          ", got a list (the first elements give shape ",
          ShapeToString(shape()), ")")));
    }
    levels_.push_back(0);
    return true;
  }
  bool OnEndArray() override {
    if (object_) {
      object_->OnEndArray();
      --object_depth_;
      return true;
    }
    if (skipped_ > 0) {
      --skipped_;
      return true;
    }
    if (!in_tensor_) return true;  // The end of the list of components.
    const int64_t count = levels_.back();
    levels_.pop_back();
    const size_t level = levels_.size();
    // Only a list open when the first error arose comes before it (its
    // length is checked before its elements).
    if (level < error_level_) {
      if (level < shape().size() && count != shape()[level]) {
        error_ = absl::InvalidArgumentError(absl::StrCat(
            "Ragged nested list: expected ", shape()[level], " elements",
            AtIndex(levels_), ", got ", count,
            " (the first elements give shape ", ShapeToString(shape()), ")"));
      }
      if (!error_.ok()) error_level_ = level;
    }
    return EndElement();
  }

  std::vector<Tensor> Finish() && { return std::move(tensors_); }

 private:
  const Shape& shape() const { return layout_.tensors[tensor_].shape; }

  // Whether elements are still converted and checked (no error yet).
  bool Checking() const { return error_.ok(); }

  // Starts a tensor when a value begins at its nesting.
  void BeginElement() {
    if (in_tensor_) return;
    in_tensor_ = true;
    const TensorLayout& tensor = layout_.tensors[tensor_];
    if (tensor.too_deep) {
      Fail(absl::InvalidArgumentError(
          absl::StrCat("Nested lists deeper than ", kMaxJsonTensorRank,
                       " levels; a tensor from JSON has rank at most ",
                       kMaxJsonTensorRank)));
      return;
    }
    elements_ = MakeElementsReader(dtypes_[tensor_], tensor.shape);
    if (!elements_) {
      Fail(absl::InvalidArgumentError(absl::StrCat(
          "Cannot read JSON as a tensor of ", DTypeCliName(dtypes_[tensor_]))));
    }
  }

  // Ends a value: the next element of its list, or the end of its tensor.
  bool EndElement() {
    if (!levels_.empty()) {
      ++levels_.back();
      return true;
    }
    in_tensor_ = false;
    if (!error_.ok()) {
      if (tensor_depth_ == 0) return Stop(std::move(error_));
      return Stop(absl::Status(
          error_.code(),
          absl::StrCat("Component ", tensor_, ": ", error_.message())));
    }
    tensors_.push_back(std::move(*elements_).Finish(shape()));
    elements_.reset();
    ++tensor_;
    return true;
  }

  // A value where the layout has a list.
  void NotAList(const json& value) {
    Fail(absl::InvalidArgumentError(absl::StrCat(
        "Ragged nested list: expected a list of ", shape()[levels_.size()],
        " elements", AtIndex(levels_), ", got ", Describe(value))));
  }

  void Check(absl::Status status) {
    if (!status.ok()) Fail(std::move(status));
  }

  // The first error of the tensor, at the current nesting: only a list
  // still open may still replace it.
  void Fail(absl::Status status) {
    if (!error_.ok()) return;
    error_ = std::move(status);
    error_level_ = levels_.size();
  }

  const size_t tensor_depth_;
  const std::vector<DType>& dtypes_;
  const JsonLayout& layout_;
  bool in_components_ = false;  // Inside the list of components.
  bool in_tensor_ = false;      // Inside tensor tensor_.
  size_t tensor_ = 0;
  // The position in the tensor: the index of the next element at each
  // level of the lists open.
  std::vector<int64_t> levels_;
  std::unique_ptr<ElementsReader> elements_;
  int skipped_ = 0;  // Open containers inside a value that is not read.
  std::optional<JsonBuilder> object_;  // An element given as an object.
  int object_depth_ = 0;
  absl::Status error_;
  // The lists open since error_ arose that were open before it: those at
  // levels below this one.
  size_t error_level_ = std::numeric_limits<size_t>::max();
  std::vector<Tensor> tensors_;
};

// Reads the tensors at nesting `tensor_depth` of `text` (see LayoutScanner),
// one per dtype, and the layout.
absl::StatusOr<std::pair<JsonLayout, std::vector<Tensor>>> ReadTensors(
    absl::string_view text, size_t tensor_depth,
    const std::vector<DType>& dtypes) {
  LayoutScanner scanner(tensor_depth);
  TROUPE_RETURN_IF_ERROR(RunBoundedJsonSax(text, &scanner));
  JsonLayout layout = std::move(scanner).Finish();
  if (tensor_depth > 0) {
    if (!layout.root_is_array) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Components must be a JSON array with one entry per component, got ",
          layout.root_description));
    }
    if (static_cast<size_t>(layout.root_count) != dtypes.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Wrong number of components in tuple. Expected ",
                       dtypes.size(), ", got ", layout.root_count));
    }
  }
  TensorsReader reader(tensor_depth, dtypes, layout);
  TROUPE_RETURN_IF_ERROR(RunBoundedJsonSax(text, &reader));
  return std::make_pair(std::move(layout), std::move(reader).Finish());
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

// The elements of `tensor` as T: a span of numbers, or the strings.
template <class T>
auto Elements(const Tensor& tensor) {
  if constexpr (std::is_same_v<T, std::string>) {
    return tensor.strings();
  } else {
    return tensor.flat<T>();
  }
}

// JSON text written through a buffer of its own to a stream.
class JsonTextWriter {
 public:
  explicit JsonTextWriter(std::ostream& out) : out_(out) {
    buffer_.reserve(kFlushBytes + kFlushBytes / 4);
  }
  ~JsonTextWriter() { Flush(); }

  void Append(absl::string_view text) {
    buffer_.append(text.data(), text.size());
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  void Append(char c, size_t count) {
    buffer_.append(count, c);
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  // A scalar json value, as the DOM's dump prints it.
  void AppendValue(const json& value) {
    Append(value.dump(-1, ' ', false, json::error_handler_t::replace));
  }

 private:
  static constexpr size_t kFlushBytes = size_t{64} << 10;

  void Flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

  std::ostream& out_;
  std::string buffer_;
};

template <class T>
void WriteElement(const T& x, JsonTextWriter* out) {
  if constexpr (std::is_same_v<T, float>) {
    out->AppendValue(FloatToJson(x));
  } else if constexpr (std::is_same_v<T, double>) {
    out->AppendValue(DoubleToJson(x));
  } else if constexpr (std::is_same_v<T, absl::string_view>) {
    out->AppendValue(StringElementToJson(x));
  } else if constexpr (std::is_same_v<T, bool>) {
    out->Append(x ? "true" : "false");
  } else if constexpr (std::is_signed_v<T>) {
    out->Append(absl::StrCat(static_cast<int64_t>(x)));
  } else {
    out->Append(absl::StrCat(static_cast<uint64_t>(x)));
  }
}

// Writes nested lists of `dims` (each positive), calling `leaf` for each
// innermost item in row-major order; without recursion.
template <class Leaf>
void WriteNested(const Shape& dims, JsonTextWriter* out, const Leaf& leaf) {
  const size_t rank = dims.size();
  out->Append('[', rank);
  std::vector<int64_t> position(rank, 0);
  while (true) {
    leaf();
    size_t level = rank;
    while (level > 0 && ++position[level - 1] == dims[level - 1]) {
      position[level - 1] = 0;
      --level;
    }
    if (level == 0) break;
    out->Append(']', rank - level);
    out->Append(",");
    out->Append('[', rank - level);
  }
  out->Append(']', rank);
}

template <class T>
void WriteTensor(const Tensor& tensor, JsonTextWriter* out) {
  const auto elements = Elements<T>(tensor);
  // A zero dimension ends the nesting there: its lists are empty, and the
  // dimensions inside it cannot show.
  Shape dims;
  for (int64_t dim : tensor.shape()) {
    dims.push_back(dim);
    if (dim == 0) break;
  }
  if (!dims.empty() && dims.back() == 0) {
    dims.pop_back();
    WriteNested(dims, out, [&] { out->Append("[]"); });
    return;
  }
  size_t next = 0;
  WriteNested(dims, out, [&] {
    using Element = std::decay_t<decltype(elements[0])>;
    WriteElement<Element>(elements[next++], out);
  });
}

void WriteTensorTo(const Tensor& tensor, JsonTextWriter* out) {
  switch (tensor.dtype()) {
    case DType::kFloat32:
      return WriteTensor<float>(tensor, out);
    case DType::kFloat64:
      return WriteTensor<double>(tensor, out);
    case DType::kInt8:
      return WriteTensor<int8_t>(tensor, out);
    case DType::kInt16:
      return WriteTensor<int16_t>(tensor, out);
    case DType::kInt32:
      return WriteTensor<int32_t>(tensor, out);
    case DType::kInt64:
      return WriteTensor<int64_t>(tensor, out);
    case DType::kUint8:
      return WriteTensor<uint8_t>(tensor, out);
    case DType::kUint16:
      return WriteTensor<uint16_t>(tensor, out);
    case DType::kBool:
      return WriteTensor<bool>(tensor, out);
    case DType::kString:
      return WriteTensor<std::string>(tensor, out);
    case DType::kInvalid:
      break;
  }
  out->Append("null");
}

}  // namespace

absl::StatusOr<json> ParseJson(absl::string_view text) {
  return ParseBoundedJson(text, kMaxJsonDepth);
}

absl::StatusOr<Tensor> TensorFromJson(absl::string_view text, DType dtype) {
  TROUPE_ASSIGN_OR_RETURN(auto read, ReadTensors(text, 0, {dtype}));
  return std::move(read.second.front());
}

absl::StatusOr<Tuple> TupleFromJson(absl::string_view text,
                                    const std::vector<DType>& dtypes) {
  TROUPE_ASSIGN_OR_RETURN(auto read, ReadTensors(text, 1, dtypes));
  return std::move(read.second);
}

absl::StatusOr<Tuple> BatchFromJson(absl::string_view text,
                                    const std::vector<DType>& dtypes,
                                    const std::vector<PartialShape>& shapes) {
  TROUPE_ASSIGN_OR_RETURN(auto read, ReadTensors(text, 1, dtypes));
  auto& [layout, tuple] = read;
  if (shapes.size() != tuple.size()) return std::move(tuple);
  for (size_t i = 0; i < tuple.size(); ++i) {
    // [] is the only component whose first elements give shape [0].
    if (layout.tensors[i].shape != Shape{0} || !shapes[i].known_rank) continue;
    Shape shape = {0};
    for (int64_t dim : shapes[i].dims) {
      shape.push_back(dim == PartialShape::kUnknownDim ? 0 : dim);
    }
    tuple[i] = Tensor::Zeros(dtypes[i], std::move(shape));
  }
  return std::move(tuple);
}

json StringElementToJson(absl::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  return json{{kBase64Key, absl::Base64Escape(s)}};
}

void WriteTensorJson(const Tensor& tensor, std::ostream& out) {
  JsonTextWriter writer(out);
  WriteTensorTo(tensor, &writer);
}

void WriteTupleJson(const Tuple& tuple, std::ostream& out) {
  JsonTextWriter writer(out);
  writer.Append("[");
  for (size_t i = 0; i < tuple.size(); ++i) {
    if (i > 0) writer.Append(",");
    WriteTensorTo(tuple[i], &writer);
  }
  writer.Append("]");
}

std::string TensorToJson(const Tensor& tensor) {
  std::ostringstream out;
  WriteTensorJson(tensor, out);
  return std::move(out).str();
}

std::string TupleToJson(const Tuple& tuple) {
  std::ostringstream out;
  WriteTupleJson(tuple, out);
  return std::move(out).str();
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
