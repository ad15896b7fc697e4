// JSON <-> Tensor conversion for the `troupe ctl` command line: queue elements
// (COMPONENTS), variable values and component shapes as JSON text.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"

#include "serialization/dtype.h"
#include "serialization/json_text.h"
#include "serialization/shape.h"
#include "serialization/tensor.h"

namespace troupe {

// The deepest nesting TensorFromJson accepts: a tensor of rank at most 64.
inline constexpr int kMaxJsonTensorRank = 64;

// The deepest nesting ParseJson accepts: the list of components, a tensor of
// rank kMaxJsonTensorRank, and a {"b64": ...} string element.
inline constexpr int kMaxJsonDepth = kMaxJsonTensorRank + 2;

// Parses JSON text as ParseBoundedJson (serialization/json_text.h) does, with
// nesting up to kMaxJsonDepth: numbers are exact (a number whose double is
// integral but whose text is not an exact 64-bit integer, such as 1e20 or
// 9007199254740993.5, is kept as its text, which the readers below
// understand), and deeper nesting is INVALID_ARGUMENT "JSON nested deeper
// than 66 levels"; so is an object with a repeated key.
// Malformed text is INVALID_ARGUMENT "Malformed JSON at byte N: <what>",
// where N is the 0-based offset of the offending byte (the text's length for
// a truncated text). Never throws.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text);

// Reads JSON text (nested arrays of numbers, bools or strings, or a bare
// scalar) as a tensor of `dtype`, without building the whole value: two
// passes over the text, the first for its shape, the second converting each
// element into the tensor's storage. The text is checked as ParseJson checks
// it, with the same errors. The shape follows the nesting, which must be
// rectangular: [] is shape [0], [[],[]] is [2,0], a bare scalar is shape [].
// Elements:
//  - int8 ... int64, uint8, uint16: integral numbers within the dtype's range,
//    read exactly, never rounded (3.0 and 1e3 count as integral; 3.5,
//    9007199254740993.5 and 1e-400 do not; -9223372036854775809 is out of
//    int64's range);
//  - float32, float64: any number, rounded to the nearest representable value
//    (a finite number beyond float32's range, such as 1e39, is an error), and
//    the strings "NaN", "Infinity" and "-Infinity" that TensorToJson writes;
//  - bool: true or false only;
//  - string: JSON strings, and {"b64": "<standard base64>"} for any bytes.
// Returns INVALID_ARGUMENT for an invalid dtype, a ragged list ("Ragged nested
// list: ..."), an element of the wrong kind ("Expected an integer for dtype
// int32, got ..."), a non-integral ("Value 3.5 is not a valid int32") or
// out-of-range value ("Value 300 is out of range for uint8"), an object or
// null, or nesting deeper than kMaxJsonTensorRank. Messages about one element
// end with its index, e.g. "(at [1,0])". Of several errors, the one met first
// walking the value in order, each list before its elements, is returned.
absl::StatusOr<Tensor> TensorFromJson(absl::string_view text, DType dtype);

// Reads COMPONENTS, a JSON array with one entry per dtype, as a tuple, each
// entry as TensorFromJson reads it. For enqueue-many the entries carry the
// batch as their first dimension; this function does not check that. Returns
// INVALID_ARGUMENT when `components` is not an array, for "Wrong number of
// components in tuple. Expected <k>, got <m>", and for a component that
// TensorFromJson refuses, prefixed with "Component <i>: ".
absl::StatusOr<Tuple> TupleFromJson(absl::string_view text,
                                    const std::vector<DType>& dtypes);

// Reads COMPONENTS of enqueue-many as TupleFromJson does, except that an
// empty list [] for a component is a batch of 0 elements of that component's
// shape: shape [0] followed by `shapes[i]`, where an unknown dimension is 0
// (JSON cannot give the inner dimensions of an empty list). `shapes` are the
// queue's component shapes; when it is empty (no shapes declared), [] is [0].
absl::StatusOr<Tuple> BatchFromJson(absl::string_view text,
                                    const std::vector<DType>& dtypes,
                                    const std::vector<PartialShape>& shapes);

// Writes `tensor` to `out` as JSON text, element by element (no value of the
// whole is built): nested arrays following its shape; a scalar is a bare
// value, shape [0] is [] and shape [2,0] is [[],[]] (so a shape with a zero
// dimension does not round-trip exactly: [0,3] comes back as [0]). The text
// is compact, as nlohmann's dump() prints. Integers (int8 and uint8 too) and
// floats are JSON numbers; float32 values use the shortest text that reads
// back as the same float (0.1f is 0.1). NaN and infinities, which JSON lacks,
// are the strings "NaN", "Infinity" and "-Infinity". Strings are written as
// StringElementToJson gives them, so they round-trip exactly.
// REQUIRES: tensor.CheckValid().ok()
void WriteTensorJson(const Tensor& tensor, std::ostream& out);

// Writes `tuple` as a JSON array with one WriteTensorJson entry per component.
void WriteTupleJson(const Tuple& tuple, std::ostream& out);

// The text WriteTensorJson and WriteTupleJson write.
std::string TensorToJson(const Tensor& tensor);
std::string TupleToJson(const Tuple& tuple);

// A string element: a JSON string if `s` is valid UTF-8, else
// {"b64": "<its bytes in standard base64>"}; it always dumps without throwing.
nlohmann::json StringElementToJson(absl::string_view s);

// Parses component shapes as written on the command line: a JSON array with
// one array of dimensions per component, e.g. [[2],[3,null]]. A dimension is a
// non-negative integer, or null or -1 for an unknown dimension. [] is no
// shapes, and [[]] is one scalar component. Returns INVALID_ARGUMENT for a
// non-array, a shape that is not an array (a flat [2,3] is refused rather
// than guessed), a non-integral dimension or one below -1. Unknown rank cannot
// be written: queue components always have a known rank.
absl::StatusOr<std::vector<PartialShape>> ShapesFromJson(
    const nlohmann::json& value);

// Returns `shapes` as ShapesFromJson reads them: [[2],[null,3]]. An unknown
// dimension is null; a shape of unknown rank (not readable back) is null.
nlohmann::json ShapesToJson(const std::vector<PartialShape>& shapes);

// Returns `shape` as a JSON array of dimensions: [2,3]; a scalar is [].
nlohmann::json ShapeToJson(const Shape& shape);

// Parses a fully known shape as ShapeToJson writes it: a JSON array of
// non-negative integers, e.g. [2,3]; [] is a scalar. Returns INVALID_ARGUMENT
// for anything else (a variable's shape has no unknown dimensions) and for a
// shape whose element count overflows int64.
absl::StatusOr<Shape> ShapeFromJson(const nlohmann::json& value);

}  // namespace troupe
