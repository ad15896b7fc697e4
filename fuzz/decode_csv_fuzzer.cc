// libFuzzer target: DecodeCsv over arbitrary records with arbitrary options,
// and, where quoting each field cannot change the fields, against the same
// records quoted (which never take the plain-number path).
// Input: 4 option bytes (column dtypes, delimiter, quoting and na_value,
// select_cols), then the records separated by '\n'.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "formats/decode_csv.h"

namespace {

troupe::Tensor DefaultFor(uint8_t code) {
  switch (code % 6) {
    case 0:
      return troupe::Tensor::FromVector<float>({1}, {1.5f});
    case 1:
      return troupe::Tensor::FromVector<double>({}, {2.5});
    case 2:
      return troupe::Tensor::FromVector<int32_t>({1}, {7});
    case 3:
      return troupe::Tensor::FromVector<int64_t>({1}, {8});
    case 4:
      return troupe::Tensor::FromVector<std::string>({1}, {"d"});
    default:
      return troupe::Tensor::FromVector<float>({0}, {});  // Required.
  }
}

// `record` with each of its fields in quotes; a record that is empty (no
// field at all) stays so.
std::string Quoted(const std::string& record, char delim) {
  if (record.empty()) return record;
  std::vector<std::string> fields = absl::StrSplit(record, delim);
  for (std::string& field : fields) field = "\"" + field + "\"";
  return absl::StrJoin(fields, std::string(1, delim));
}

bool Same(const absl::StatusOr<std::vector<troupe::Tensor>>& a,
          const absl::StatusOr<std::vector<troupe::Tensor>>& b) {
  if (a.status() != b.status()) return false;
  if (!a.ok()) return true;
  if (a->size() != b->size()) return false;
  for (size_t i = 0; i < a->size(); ++i) {
    const troupe::Tensor& x = (*a)[i];
    const troupe::Tensor& y = (*b)[i];
    if (x.dtype() == troupe::DType::kString) {
      if (x != y) return false;
    } else if (x.dtype() != y.dtype() || x.shape() != y.shape() ||
               std::memcmp(x.data(), y.data(), x.byte_size()) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t types = data[0];
  const uint8_t delim = data[1];
  const uint8_t flags = data[2];
  const uint8_t select = data[3];

  std::vector<troupe::Tensor> defaults;
  const int columns = 1 + types % 4;
  for (int c = 0; c < columns; ++c) {
    defaults.push_back(DefaultFor(static_cast<uint8_t>(types >> (2 + c))));
  }
  troupe::DecodeCsvOptions options;
  options.field_delim = std::string(1, static_cast<char>(delim));
  options.use_quote_delim = (flags & 1) != 0;
  options.na_value = (flags & 2) != 0 ? "NA" : (flags & 8) != 0 ? "1" : "";
  if ((select & 0x80) != 0) {
    int64_t column = select & 3;
    for (int c = 0; c < columns; ++c) {
      options.select_cols.push_back(column);
      column += 1 + ((select >> (2 + c)) & 1);
    }
  }

  std::vector<std::string> records;
  std::string record;
  for (size_t i = 4; i < size; ++i) {
    if (data[i] == '\n') {
      records.push_back(record);
      record.clear();
    } else {
      record.push_back(static_cast<char>(data[i]));
    }
  }
  records.push_back(record);
  const int64_t count = static_cast<int64_t>(records.size());
  const troupe::Shape shape = (flags & 4) != 0 && count % 2 == 0
                                  ? troupe::Shape{2, count / 2}
                                  : troupe::Shape{count};
  bool quotable = options.use_quote_delim && delim != '"' && delim != '\r';
  std::vector<std::string> quoted;
  for (const std::string& each : records) {
    quotable = quotable && each.find_first_of("\"\r") == std::string::npos;
    quoted.push_back(Quoted(each, static_cast<char>(delim)));
  }
  const troupe::Tensor input = troupe::Tensor::FromStrings(shape, records);
  auto columns_out = troupe::DecodeCsv(input, defaults, options);
  if (columns_out.ok()) {
    for (const troupe::Tensor& column : *columns_out) {
      if (column.shape() != input.shape()) __builtin_trap();
    }
  }
  if (quotable) {
    const troupe::Tensor quoted_input =
        troupe::Tensor::FromStrings(shape, std::move(quoted));
    if (!Same(columns_out, troupe::DecodeCsv(quoted_input, defaults, options)))
      __builtin_trap();
  }
  return 0;
}
