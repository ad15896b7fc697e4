// Writes the seed corpus of the fuzz targets from the wire tests' sample
// messages: make_corpus DIR fills DIR/handshake, DIR/frame and DIR/message;
// DIR/frame/shared has segments in the frame target's memfds (FuzzIntake).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "base/little_endian.h"
#include "fuzz/fuzz_support.h"
#include "tests/serialization/wire_samples.h"

namespace {

void Write(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  uint64_t incarnation = 0x5eed;
  for (uint16_t flags : {0, 1}) {
    std::vector<char> handshake(troupe::kHandshakeBytes);
    troupe::EncodeHandshake(
        troupe::Handshake{troupe::kProtocolVersion, flags, incarnation},
        handshake.data());
    Write(dir + "/handshake/" + std::to_string(flags), handshake);
  }
  std::vector<troupe::Message> samples = troupe::SampleMessages();
  std::vector<char> stream;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto frame = troupe::EncodeMessage(i + 1, samples[i], troupe::FuzzLimits());
    if (!frame.ok()) {
      std::fprintf(stderr, "sample %zu: %s\n", i,
                   std::string(frame.status().message()).c_str());
      return 1;
    }
    std::vector<char> bytes = troupe::Flatten(*frame);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
    // The frame target reads its split seed from the last 4 bytes.
    bytes.insert(bytes.end(), {static_cast<char>(i), 0, 0, 0});
    Write(dir + "/frame/" + std::to_string(i), bytes);
    Write(dir + "/message/" + std::to_string(i),
          troupe::MessageInputFromFrame(*frame));
  }
  stream.insert(stream.end(), {7, 0, 0, 0});
  Write(dir + "/frame/all", stream);
  // Two tensors in shared memory: 64 bytes in handle 2, 4096 in handle 3.
  auto shared = troupe::EncodeMessage(
      1,
      troupe::TupleReply{
          {troupe::Tensor::Zeros(troupe::DType::kFloat32, {16}),
           troupe::Tensor::Zeros(troupe::DType::kFloat32, {1024})}},
      troupe::FuzzLimits(), 0);
  if (!shared.ok()) return 1;
  for (uint32_t i = 0; i < 2; ++i) {
    troupe::PutLittle(i + 2, shared->head.data() + troupe::kFrameHeaderBytes +
                                 troupe::kSegmentEntryBytes * i + 12);
  }
  std::vector<char> bytes = troupe::Flatten(*shared);
  bytes.insert(bytes.end(), {3, 0, 0, 0});
  Write(dir + "/frame/shared", bytes);
  return 0;
}
