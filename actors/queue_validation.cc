#include "actors/queue_validation.h"

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {

std::string DescribeQueue(const QueueSpec& spec, const std::string& name) {
  return absl::StrCat(QueueKindName(spec.kind), " '", name, "'");
}

namespace {

absl::Status ValidateComponent(const QueueSpec& spec, const std::string& name,
                               size_t i, const Tensor& tensor) {
  if (auto valid = tensor.CheckValid(); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid tensor in tuple component ", i, ": ",
                     valid.message(), " (", DescribeQueue(spec, name), ")"));
  }
  if (tensor.dtype() != spec.dtypes[i]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Type mismatch in tuple component ", i, ". Expected ",
        DTypeName(spec.dtypes[i]), ", got ", DTypeName(tensor.dtype()), " (",
        DescribeQueue(spec, name), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateQueueElement(const QueueSpec& spec,
                                  const std::string& name,
                                  const Tuple& element) {
  if (element.size() != spec.dtypes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Wrong number of components in tuple. Expected ", spec.dtypes.size(),
        ", got ", element.size(), " (", DescribeQueue(spec, name), ")"));
  }
  for (size_t i = 0; i < element.size(); ++i) {
    TROUPE_RETURN_IF_ERROR(ValidateComponent(spec, name, i, element[i]));
    if (spec.has_shapes() &&
        !spec.shapes[i].IsCompatibleWith(element[i].shape())) {
      return absl::InvalidArgumentError(
          absl::StrCat("Shape mismatch in tuple component ", i, ". Expected ",
                       spec.shapes[i].ToString(), ", got ",
                       ShapeToString(element[i].shape()), " (",
                       DescribeQueue(spec, name), ")"));
    }
  }
  if (spec.kind == QueueKind::kPriority && !element[0].shape().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Shape mismatch in tuple component 0. Expected [], got ",
        ShapeToString(element[0].shape()), " (", DescribeQueue(spec, name),
        "; the priority must be an int64 scalar)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateQueueBatch(const QueueSpec& spec, const std::string& name,
                                const Tuple& batch) {
  if (batch.size() != spec.dtypes.size())
    return ValidateQueueElement(spec, name, batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    TROUPE_RETURN_IF_ERROR(ValidateComponent(spec, name, i, batch[i]));
    if (batch[i].shape().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Tuple component ", i,
          " of an enqueue_many must have a batch dimension, got shape [] (",
          DescribeQueue(spec, name), ")"));
    }
  }
  int64_t batch_size = batch[0].shape()[0];
  for (size_t i = 0; i < batch.size(); ++i) {
    if (spec.has_shapes()) {
      PartialShape expected = spec.shapes[i].Batched(batch_size);
      if (!expected.IsCompatibleWith(batch[i].shape())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Shape mismatch in tuple component ", i, ". Expected ",
            expected.ToString(), ", got ", ShapeToString(batch[i].shape()),
            " (", DescribeQueue(spec, name), ")"));
      }
    } else if (batch[i].shape()[0] != batch_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("All input tensors must have the same size in the 0th "
                       "dimension. Component ",
                       i, " has ", batch[i].shape()[0], ", and should have ",
                       batch_size, " (", DescribeQueue(spec, name), ")"));
    }
  }
  if (spec.kind == QueueKind::kPriority && batch[0].shape().size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Shape mismatch in tuple component 0. Expected [",
                     batch_size, "], got ", ShapeToString(batch[0].shape()),
                     " (", DescribeQueue(spec, name),
                     "; the priorities must be an int64 vector)"));
  }
  return absl::OkStatus();
}

}  // namespace troupe
