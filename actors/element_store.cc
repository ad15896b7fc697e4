#include "actors/element_store.h"

namespace troupe {

namespace {

int64_t PriorityOf(const Chunk& element) {
  return element.tensors[0].flat<int64_t>()[element.begin];
}

std::seed_seq SeedSequence(int64_t seed, int64_t seed2) {
  if (seed == 0 && seed2 == 0) {
    std::random_device entropy;
    return std::seed_seq{entropy(), entropy(), entropy(), entropy()};
  }
  auto low = [](int64_t x) {
    return static_cast<uint32_t>(static_cast<uint64_t>(x));
  };
  auto high = [](int64_t x) {
    return static_cast<uint32_t>(static_cast<uint64_t>(x) >> 32);
  };
  return std::seed_seq{low(seed), high(seed), low(seed2), high(seed2)};
}

}  // namespace

void FifoStore::Push(Chunk chunk) {
  size_ += chunk.size();
  chunks_.push_back(std::move(chunk));
}

Chunk FifoStore::Pop(size_t max) {
  Chunk& front = chunks_.front();
  if (front.size() > max) {
    size_ -= max;
    return front.TakeFront(max);
  }
  Chunk taken = std::move(front);
  chunks_.pop_front();
  size_ -= taken.size();
  return taken;
}

void FifoStore::Restore(Chunks chunks) {
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
    size_ += it->size();
    chunks_.push_front(std::move(*it));
  }
}

void FifoStore::ForEach(const std::function<void(const Chunk&)>& visit) const {
  for (const Chunk& chunk : chunks_) visit(chunk);
}

ShuffleStore::ShuffleStore(int32_t min_after_dequeue, int64_t seed,
                           int64_t seed2)
    : min_after_dequeue_(static_cast<size_t>(min_after_dequeue)) {
  std::seed_seq seeds = SeedSequence(seed, seed2);
  generator_.seed(seeds);
}

void ShuffleStore::Push(Chunk chunk) {
  while (chunk.size() > 0) elements_.push_back(chunk.TakeFront(1));
}

Chunk ShuffleStore::Pop(size_t max) {
  static_cast<void>(max);
  size_t index = static_cast<size_t>(generator_() % elements_.size());
  Chunk element = std::move(elements_[index]);
  if (index + 1 != elements_.size())
    elements_[index] = std::move(elements_.back());
  elements_.pop_back();
  return element;
}

void ShuffleStore::Restore(Chunks chunks) {
  for (Chunk& chunk : chunks) Push(std::move(chunk));
}

size_t ShuffleStore::Available(bool closed) const {
  if (closed) return elements_.size();
  return elements_.size() > min_after_dequeue_
             ? elements_.size() - min_after_dequeue_
             : 0;
}

void ShuffleStore::ForEach(
    const std::function<void(const Chunk&)>& visit) const {
  for (const Chunk& element : elements_) visit(element);
}

void PriorityStore::Push(Chunk chunk) {
  while (chunk.size() > 0) {
    Chunk element = chunk.TakeFront(1);
    int64_t priority = PriorityOf(element);
    elements_.emplace(std::make_pair(priority, next_sequence_++),
                      std::move(element));
  }
}

Chunk PriorityStore::Pop(size_t max) {
  static_cast<void>(max);
  auto first = elements_.begin();
  Chunk element = std::move(first->second);
  elements_.erase(first);
  return element;
}

void PriorityStore::Restore(Chunks chunks) {
  // Restored elements were taken before anything still stored, so they go
  // ahead of their equals: sequence numbers below every other. Pop hands out
  // single elements, so each chunk is one.
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
    int64_t priority = PriorityOf(*it);
    elements_.emplace(std::make_pair(priority, --restored_sequence_),
                      std::move(*it));
  }
}

void PriorityStore::ForEach(
    const std::function<void(const Chunk&)>& visit) const {
  for (const auto& [key, element] : elements_) visit(element);
}

std::unique_ptr<ElementStore> MakeElementStore(const QueueSpec& spec) {
  switch (spec.kind) {
    case QueueKind::kRandomShuffle:
      return std::make_unique<ShuffleStore>(spec.min_after_dequeue, spec.seed,
                                            spec.seed2);
    case QueueKind::kPriority:
      return std::make_unique<PriorityStore>();
    case QueueKind::kFifo:
    case QueueKind::kPaddingFifo:
      break;
  }
  return std::make_unique<FifoStore>();
}

}  // namespace troupe
