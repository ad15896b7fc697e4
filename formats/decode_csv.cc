#include "formats/decode_csv.h"

#include <cstddef>
#include <deque>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "base/status_macros.h"
#include "formats/csv_numbers.h"

namespace troupe {
namespace {

// Splits records into fields as TensorFlow's ExtractFields does, keeping
// the selected columns only and stopping after the last of them.
class FieldSplitter {
 public:
  explicit FieldSplitter(const DecodeCsvOptions& options)
      : delim_(options.field_delim[0]),
        use_quote_delim_(options.use_quote_delim),
        select_cols_(options.select_cols) {
    for (char c : {delim_, '\n', '\r'}) Stops(c) = true;
    if (use_quote_delim_) Stops('"') = true;
  }

  // Replaces fields()[0, count()) with the fields of `input`: views of it,
  // or, for a quoted field, of the splitter's copy without its quotes.
  absl::Status Split(absl::string_view input) {
    count_ = 0;
    if (input.empty()) return absl::OkStatus();
    const size_t size = input.size();
    size_t i = 0;
    size_t parsed = 0;
    while (i < size) {
      if (input[i] == '\n' || input[i] == '\r') {
        ++i;
        continue;
      }
      const bool include = Selected(parsed);
      if (use_quote_delim_ && input[i] == '"') {
        std::string* field = include ? Unquoted() : nullptr;
        ++i;
        while (i < size - 1 && (input[i] != '"' || input[i + 1] != delim_)) {
          if (input[i] != '"') {
            if (field != nullptr) field->push_back(input[i]);
            ++i;
          } else {
            if (input[i + 1] != '"') {
              return absl::InvalidArgumentError(
                  "Quote inside a string has to be escaped by another quote");
            }
            if (field != nullptr) field->push_back('"');
            i += 2;
          }
        }
        if (!(i < size && input[i] == '"' &&
              (i == size - 1 || input[i + 1] == delim_))) {
          return absl::InvalidArgumentError(
              "Quoted field has to end with quote followed by delim or end");
        }
        if (field != nullptr) Add(*field);
        i += 2;
      } else {
        const size_t start = i;
        while (i < size && !Stops(input[i])) ++i;
        if (i < size && input[i] != delim_) {
          return absl::InvalidArgumentError(
              "Unquoted fields cannot have quotes/CRLFs inside");
        }
        if (include) Add(input.substr(start, i - start));
        ++i;
      }
      ++parsed;
      if (include && !select_cols_.empty() && count_ == select_cols_.size()) {
        return absl::OkStatus();
      }
    }
    if (Selected(parsed) && input[size - 1] == delim_) Add({});
    return absl::OkStatus();
  }

  size_t count() const { return count_; }
  absl::string_view field(size_t index) const { return fields_[index]; }

 private:
  // Whether an unquoted field stops at `c`: the delimiter ends it, and a
  // quote (with use_quote_delim) or a line break in it is an error.
  bool& Stops(char c) { return stops_[static_cast<unsigned char>(c)]; }

  bool Selected(size_t column) const {
    return select_cols_.empty() ||
           (count_ < select_cols_.size() &&
            static_cast<size_t>(select_cols_[count_]) == column);
  }

  // Where the next field, a quoted one, is unescaped, reusing storage.
  std::string* Unquoted() {
    if (count_ >= unquoted_.size()) unquoted_.resize(count_ + 1);
    std::string* field = &unquoted_[count_];
    field->clear();
    return field;
  }

  void Add(absl::string_view field) {
    if (count_ == fields_.size()) fields_.emplace_back();
    fields_[count_++] = field;
  }

  char delim_;
  bool use_quote_delim_;
  bool stops_[256] = {};
  const std::vector<int64_t>& select_cols_;
  std::vector<absl::string_view> fields_;
  // By field index: the unescaped text of quoted fields (a deque, so that a
  // field's text stays where its view points while more are added).
  std::deque<std::string> unquoted_;
  size_t count_ = 0;
};

bool IsMissing(absl::string_view field, const std::string& na_value,
               bool numeric) {
  if (field.empty() || field == na_value) return true;
  if (!numeric) return false;
  for (char c : field) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

template <class T>
bool ParseField(absl::string_view text, T* value) {
  if constexpr (std::is_same_v<T, int32_t>) {
    return ParseCsvInt32(text, value);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return ParseCsvInt64(text, value);
  } else if constexpr (std::is_same_v<T, float>) {
    return ParseCsvFloat(text, value);
  } else {
    return ParseCsvDouble(text, value);
  }
}

// One output: its values so far and its default.
class Column {
 public:
  Column(size_t index, const Tensor& default_value, size_t records)
      : index_(index),
        dtype_(default_value.dtype()),
        default_(default_value),
        has_default_(default_value.num_elements() == 1) {
    switch (dtype_) {
      case DType::kFloat32:
        floats_.reserve(records);
        break;
      case DType::kFloat64:
        doubles_.reserve(records);
        break;
      case DType::kInt32:
        int32s_.reserve(records);
        break;
      case DType::kInt64:
        int64s_.reserve(records);
        break;
      default:
        strings_.Reserve(records, 0);
        break;
    }
  }

  absl::Status Add(absl::string_view field, const std::string& na_value,
                   size_t record) {
    switch (dtype_) {
      case DType::kFloat32:
        return AddNumber(field, na_value, record, "float", &floats_);
      case DType::kFloat64:
        return AddNumber(field, na_value, record, "double", &doubles_);
      case DType::kInt32:
        return AddNumber(field, na_value, record, "int32", &int32s_);
      case DType::kInt64:
        return AddNumber(field, na_value, record, "int64", &int64s_);
      default:
        if (IsMissing(field, na_value, false)) {
          TROUPE_RETURN_IF_ERROR(Missing(record));
          strings_.Append(default_.strings()[0]);
        } else {
          strings_.Append(field);
        }
        return absl::OkStatus();
    }
  }

  // Adds the plain number (ReadPlainNumber) at the front of `rest` if it
  // ends there or at `delim`; returns how many characters it read, or 0
  // when it added nothing.
  size_t AddPlain(absl::string_view rest, char delim) {
    size_t read = 0;
    WithNumbers([&](auto& values) {
      using T = typename std::decay_t<decltype(values)>::value_type;
      T value;
      read = ReadPlainNumber(rest, &value);
      if (read == 0 || (read < rest.size() && rest[read] != delim)) {
        read = 0;
      } else {
        values.push_back(value);
      }
    });
    return read;
  }

  // Takes back the last AddPlain.
  void RemoveLast() {
    WithNumbers([](auto& values) { values.pop_back(); });
  }

  Tensor Finish(const Shape& shape) {
    switch (dtype_) {
      case DType::kFloat32:
        return Tensor::FromVector(shape, floats_);
      case DType::kFloat64:
        return Tensor::FromVector(shape, doubles_);
      case DType::kInt32:
        return Tensor::FromVector(shape, int32s_);
      case DType::kInt64:
        return Tensor::FromVector(shape, int64s_);
      default:
        return Tensor::FromStrings(shape, std::move(strings_));
    }
  }

 private:
  absl::Status Missing(size_t record) const {
    if (has_default_) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "Field ", index_, " is required but missing in record ", record, "!"));
  }

  template <class T>
  absl::Status AddNumber(absl::string_view field, const std::string& na_value,
                         size_t record, absl::string_view type_name,
                         std::vector<T>* values) {
    if (IsMissing(field, na_value, true)) {
      TROUPE_RETURN_IF_ERROR(Missing(record));
      values->push_back(default_.flat<T>()[0]);
      return absl::OkStatus();
    }
    T value;
    if (!ParseField(field, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Field ", index_, " in record ", record,
                       " is not a valid ", type_name, ": ", field));
    }
    values->push_back(value);
    return absl::OkStatus();
  }

  // Calls `use` with the vector of a number column's values.
  template <class Use>
  void WithNumbers(Use use) {
    switch (dtype_) {
      case DType::kFloat32:
        return use(floats_);
      case DType::kFloat64:
        return use(doubles_);
      case DType::kInt32:
        return use(int32s_);
      case DType::kInt64:
        return use(int64s_);
      default:
        return;
    }
  }

  size_t index_;
  DType dtype_;
  Tensor default_;
  bool has_default_;
  std::vector<float> floats_;
  std::vector<double> doubles_;
  std::vector<int32_t> int32s_;
  std::vector<int64_t> int64s_;
  StringList strings_;
};

// Whether records may first be read as plain numbers (AddPlainRecord): all
// columns are numbers and all are kept, and neither the delimiter nor
// na_value can be part of a plain number, so that the general path would
// split such a record at the same places and read the same values.
bool PlainRecordsPossible(const std::vector<Tensor>& record_defaults,
                          const DecodeCsvOptions& options) {
  if (!options.select_cols.empty()) return false;
  for (const Tensor& default_value : record_defaults) {
    if (default_value.dtype() == DType::kString) return false;
  }
  const auto in_number = [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
           absl::string_view(".+-eE").find(c) != absl::string_view::npos;
  };
  const char delim = options.field_delim[0];
  if (in_number(delim) || delim == '"' || delim == '\n' || delim == '\r') {
    return false;
  }
  return options.na_value.empty() || !in_number(options.na_value[0]);
}

// Adds `record` when it is exactly one plain number per column, separated by
// `delim`: the common case, in one pass over its bytes. Otherwise adds
// nothing and returns false, and the general path reads the record.
bool AddPlainRecord(absl::string_view record, char delim,
                    std::vector<Column>& columns) {
  size_t added = 0;
  size_t at = 0;
  while (added < columns.size()) {
    if (added > 0) {
      if (at == record.size()) break;
      ++at;  // The delimiter: AddPlain stopped at it.
    }
    const size_t read = columns[added].AddPlain(record.substr(at), delim);
    if (read == 0) break;
    at += read;
    ++added;
  }
  if (added == columns.size() && at == record.size()) return true;
  for (size_t f = 0; f < added; ++f) columns[f].RemoveLast();
  return false;
}

}  // namespace

absl::Status ValidateDecodeCsv(const std::vector<Tensor>& record_defaults,
                               const DecodeCsvOptions& options) {
  const std::vector<int64_t>& select_cols = options.select_cols;
  if (!select_cols.empty() && select_cols.size() != record_defaults.size()) {
    return absl::InvalidArgumentError("select_cols should match output size");
  }
  for (size_t i = 1; i < select_cols.size(); ++i) {
    if (select_cols[i - 1] >= select_cols[i]) {
      return absl::InvalidArgumentError(
          "select_cols should be strictly increasing indices");
    }
  }
  if (!select_cols.empty() && select_cols.front() < 0) {
    return absl::InvalidArgumentError(
        "select_cols should be non-negative indices");
  }
  if (options.field_delim.size() != 1) {
    return absl::InvalidArgumentError("field_delim should be only 1 char");
  }
  for (size_t f = 0; f < record_defaults.size(); ++f) {
    const Tensor& default_value = record_defaults[f];
    if (default_value.shape().size() > 1) {
      return absl::InvalidArgumentError(
          "Each record default should be at most rank 1");
    }
    if (default_value.num_elements() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("There should only be 1 default per field but field ", f,
                       " has ", default_value.num_elements()));
    }
    switch (default_value.dtype()) {
      case DType::kFloat32:
      case DType::kFloat64:
      case DType::kInt32:
      case DType::kInt64:
      case DType::kString:
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("csv: data type ", DTypeName(default_value.dtype()),
                         " not supported in field ", f));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> DecodeCsv(
    const Tensor& records, const std::vector<Tensor>& record_defaults,
    const DecodeCsvOptions& options) {
  TROUPE_RETURN_IF_ERROR(ValidateDecodeCsv(record_defaults, options));
  if (records.dtype() != DType::kString) {
    return absl::InvalidArgumentError(absl::StrCat(
        "records must be a string tensor, not ", DTypeName(records.dtype())));
  }
  const StringsView lines = records.strings();
  std::vector<Column> columns;
  columns.reserve(record_defaults.size());
  for (size_t f = 0; f < record_defaults.size(); ++f) {
    columns.emplace_back(f, record_defaults[f], lines.size());
  }
  const bool plain = PlainRecordsPossible(record_defaults, options);
  const char delim = options.field_delim[0];
  FieldSplitter splitter(options);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (plain && AddPlainRecord(lines[i], delim, columns)) continue;
    TROUPE_RETURN_IF_ERROR(splitter.Split(lines[i]));
    if (splitter.count() != columns.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Expect ", columns.size(), " fields but have ",
                       splitter.count(), " in record ", i));
    }
    for (size_t f = 0; f < columns.size(); ++f) {
      TROUPE_RETURN_IF_ERROR(
          columns[f].Add(splitter.field(f), options.na_value, i));
    }
  }
  std::vector<Tensor> outputs;
  outputs.reserve(columns.size());
  for (Column& column : columns)
    outputs.push_back(column.Finish(records.shape()));
  return outputs;
}

}  // namespace troupe
