#include "bench/load_files.h"

#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"

#include "formats/tfrecord_writer.h"

namespace troupe::bench {

namespace {

// Appends `thousandths` / 1000 with exactly three decimals.
void AppendDecimal(std::string& out, int64_t thousandths) {
  if (thousandths < 0) {
    out.push_back('-');
    thousandths = -thousandths;
  }
  absl::StrAppend(&out, thousandths / 1000, ".");
  const int64_t fraction = thousandths % 1000;
  out.push_back(static_cast<char>('0' + fraction / 100));
  out.push_back(static_cast<char>('0' + fraction / 10 % 10));
  out.push_back(static_cast<char>('0' + fraction % 10));
}

}  // namespace

absl::StatusOr<LoadFiles> WriteLoadFiles(const std::string& dir,
                                         int64_t csv_bytes) {
  LoadFiles files;
  std::ofstream csv(absl::StrCat(dir, "/", files.csv), std::ios::binary);
  if (!csv) return absl::InternalError("cannot create the CSV file");
  const std::string tfrecord_path = absl::StrCat(dir, "/", files.tfrecord);
  auto writer =
      TFRecordWriter::Create(tfrecord_path, files.tfrecord, Compression::kNone);
  if (!writer.ok()) return writer.status();
  uint64_t state = 0x2545f4914f6cdd1d;
  std::string line;
  std::string chunk;
  while (files.csv_bytes < csv_bytes) {
    line.clear();
    for (int column = 0; column < 3; ++column) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      if (column > 0) line.push_back(',');
      AppendDecimal(line, static_cast<int64_t>(state % 2000001) - 1000000);
    }
    if (auto status = (*writer)->Write(line); !status.ok()) return status;
    line.push_back('\n');
    chunk += line;
    if (chunk.size() >= (size_t{1} << 20)) {
      csv.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.clear();
    }
    files.csv_bytes += static_cast<int64_t>(line.size());
    files.tfrecord_bytes += static_cast<int64_t>(line.size() - 1) + 16;
    ++files.records;
  }
  csv.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  if (!csv.flush()) return absl::InternalError("cannot write the CSV file");
  if (auto status = (*writer)->Close(); !status.ok()) return status;
  return files;
}

}  // namespace troupe::bench
