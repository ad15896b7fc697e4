// libFuzzer target: `troupe ctl`'s JSON tensors (TensorFromJson,
// TupleFromJson, BatchFromJson) over arbitrary text. Input: 1 byte (the
// dtypes and which reader), then the text. What is read must write back as
// JSON that reads again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "serialization/tensor_json.h"

namespace {

constexpr troupe::DType kDTypes[] = {
    troupe::DType::kFloat32, troupe::DType::kFloat64, troupe::DType::kInt32,
    troupe::DType::kInt64,   troupe::DType::kUint8,   troupe::DType::kBool,
    troupe::DType::kString,  troupe::DType::kInt8};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const troupe::DType first = kDTypes[mode % 8];
  const troupe::DType second = kDTypes[(mode / 8) % 8];
  switch ((mode / 64) % 3) {
    case 0: {
      auto tensor = troupe::TensorFromJson(text, first);
      if (!tensor.ok()) return 0;
      if (!tensor->CheckValid().ok()) __builtin_trap();
      if (!troupe::TensorFromJson(troupe::TensorToJson(*tensor), first).ok()) {
        __builtin_trap();
      }
      return 0;
    }
    case 1: {
      auto tuple = troupe::TupleFromJson(text, {first, second});
      if (!tuple.ok()) return 0;
      if (!troupe::TupleFromJson(troupe::TupleToJson(*tuple), {first, second})
               .ok()) {
        __builtin_trap();
      }
      return 0;
    }
    default: {
      const std::vector<troupe::PartialShape> shapes = {troupe::PartialShape{2},
                                                        troupe::PartialShape{}};
      auto batch = troupe::BatchFromJson(text, {first, second}, shapes);
      if (!batch.ok()) return 0;
      for (const troupe::Tensor& component : *batch) {
        if (!component.CheckValid().ok()) __builtin_trap();
      }
      return 0;
    }
  }
}
