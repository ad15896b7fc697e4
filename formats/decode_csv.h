// DecodeCsv: TensorFlow's decode_csv over a batch of records: one column of
// values per record default, each shaped like the records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "serialization/tensor.h"

namespace troupe {

struct DecodeCsvOptions {
  std::string field_delim = ",";
  // Quotes delimit fields ("a,b" is one field, "" inside is a quote).
  bool use_quote_delim = true;
  // A field equal to this is missing, as an empty one is.
  std::string na_value;
  // The columns to keep, strictly increasing; empty keeps all.
  std::vector<int64_t> select_cols;
};

// INVALID_ARGUMENT in TensorFlow's words for options and defaults that no
// record can satisfy: "field_delim should be only 1 char", "select_cols
// should match output size", "select_cols should be strictly increasing
// indices", "select_cols should be non-negative indices", "Each record
// default should be at most rank 1", "There should only be 1 default per
// field but field <f> has <n>", "csv: data type <t> not supported in field
// <f>" (float32, float64, int32, int64 and string are).
absl::Status ValidateDecodeCsv(const std::vector<Tensor>& record_defaults,
                               const DecodeCsvOptions& options);

// Decodes `records` (a string tensor of any shape). Output f has the dtype of
// record_defaults[f] and the shape of `records`; a missing field (empty,
// quoted "", equal to na_value, or, for numbers, only whitespace: TensorFlow
// reads that as 0) takes the default, or fails if the default is empty (a
// required column). Errors, INVALID_ARGUMENT, the first one wins; i is the
// record's flat index:
//   ValidateDecodeCsv's;
//   "Unquoted fields cannot have quotes/CRLFs inside",
//   "Quote inside a string has to be escaped by another quote",
//   "Quoted field has to end with quote followed by delim or end",
//   "Expect <N> fields but have <M> in record <i>" (an empty record has 0),
//   "Field <f> is required but missing in record <i>!",
//   "Field <f> in record <i> is not a valid <int32|int64|float|double>: <x>".
// Memory: the outputs plus one record's fields.
absl::StatusOr<std::vector<Tensor>> DecodeCsv(
    const Tensor& records, const std::vector<Tensor>& record_defaults,
    const DecodeCsvOptions& options);

}  // namespace troupe
