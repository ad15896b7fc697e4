#include "actors/element_store.h"

namespace troupe {

namespace {

int64_t PriorityOf(const Tuple& element) {
  return element[0].flat<int64_t>()[0];
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

Tuple FifoStore::Pop() {
  Tuple element = std::move(elements_.front());
  elements_.pop_front();
  return element;
}

void FifoStore::Restore(std::vector<Tuple> elements) {
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
    elements_.push_front(std::move(*it));
  }
}

ShuffleStore::ShuffleStore(int32_t min_after_dequeue, int64_t seed,
                           int64_t seed2)
    : min_after_dequeue_(static_cast<size_t>(min_after_dequeue)) {
  std::seed_seq seeds = SeedSequence(seed, seed2);
  generator_.seed(seeds);
}

Tuple ShuffleStore::Pop() {
  size_t index = static_cast<size_t>(generator_() % elements_.size());
  Tuple element = std::move(elements_[index]);
  if (index + 1 != elements_.size())
    elements_[index] = std::move(elements_.back());
  elements_.pop_back();
  return element;
}

void ShuffleStore::Restore(std::vector<Tuple> elements) {
  for (Tuple& element : elements) elements_.push_back(std::move(element));
}

size_t ShuffleStore::Available(bool closed) const {
  if (closed) return elements_.size();
  return elements_.size() > min_after_dequeue_
             ? elements_.size() - min_after_dequeue_
             : 0;
}

void PriorityStore::Push(Tuple element) {
  int64_t priority = PriorityOf(element);
  elements_.emplace(std::make_pair(priority, next_sequence_++),
                    std::move(element));
}

Tuple PriorityStore::Pop() {
  auto first = elements_.begin();
  Tuple element = std::move(first->second);
  elements_.erase(first);
  return element;
}

void PriorityStore::Restore(std::vector<Tuple> elements) {
  // Restored elements were taken before anything still stored, so they go
  // ahead of their equals: sequence numbers below every other.
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
    int64_t priority = PriorityOf(*it);
    elements_.emplace(std::make_pair(priority, --restored_sequence_),
                      std::move(*it));
  }
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
