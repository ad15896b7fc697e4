// JSON <-> Tensor conversion for the `troupe ctl` command line: queue elements
// (COMPONENTS), variable values and component shapes as JSON text.
#pragma once

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

// Converts `value` (nested arrays of numbers, bools or strings, or a bare
// scalar) to a tensor of `dtype`. The shape follows the nesting, which must be
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
// end with its index, e.g. "(at [1,0])".
absl::StatusOr<Tensor> TensorFromJson(const nlohmann::json& value, DType dtype);

// Converts COMPONENTS, a JSON array with one entry per dtype, to a tuple. For
// enqueue-many the entries carry the batch as their first dimension; this
// function does not check that. Returns INVALID_ARGUMENT when `components` is
// not an array, for "Wrong number of components in tuple. Expected <k>, got
// <m>", and for a component that TensorFromJson refuses, prefixed with
// "Component <i>: ".
absl::StatusOr<Tuple> TupleFromJson(const nlohmann::json& components,
                                    const std::vector<DType>& dtypes);

// Returns `tensor` as nested JSON arrays following its shape; a scalar is a
// bare value, shape [0] is [] and shape [2,0] is [[],[]] (so a shape with a
// zero dimension does not round-trip exactly: [0,3] comes back as [0]).
// Integers (int8 and uint8 too) and floats are JSON numbers; float32 values
// use the shortest text that reads back as the same float (0.1f is 0.1).
// NaN and infinities, which JSON lacks, are the strings "NaN", "Infinity" and
// "-Infinity". A string that is valid UTF-8 is a JSON string; any other is
// {"b64": "<its bytes in standard base64>"}, so strings round-trip exactly
// and the result always dumps without throwing.
// REQUIRES: tensor.CheckValid().ok()
nlohmann::json TensorToJson(const Tensor& tensor);

// Converts COMPONENTS of enqueue-many as TupleFromJson does, except that an
// empty list [] for a component is a batch of 0 elements of that component's
// shape: shape [0] followed by `shapes[i]`, where an unknown dimension is 0
// (JSON cannot give the inner dimensions of an empty list). `shapes` are the
// queue's component shapes; when it is empty (no shapes declared), [] is [0].
absl::StatusOr<Tuple> BatchFromJson(const nlohmann::json& components,
                                    const std::vector<DType>& dtypes,
                                    const std::vector<PartialShape>& shapes);

// Returns `tuple` as a JSON array with one TensorToJson entry per component.
nlohmann::json TupleToJson(const Tuple& tuple);

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
