// ElementStore: how a queue kind keeps its elements and picks the next one:
// first in first out (whole batches), uniformly random, or smallest priority.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "actors/chunk.h"
#include "serialization/queue_spec.h"
#include "serialization/tensor.h"

namespace troupe {

class ElementStore {
 public:
  virtual ~ElementStore() = default;

  virtual size_t size() const = 0;
  // Adds elements that passed validation.
  virtual void Push(Chunk chunk) = 0;
  // Removes between 1 and `max` next elements in this kind's order.
  // REQUIRES: size() > 0 and max > 0.
  virtual Chunk Pop(size_t max) = 0;
  // Puts back chunks that Pop handed out, oldest first, so that the queue is
  // as if those elements had never been taken.
  virtual void Restore(Chunks chunks) = 0;
  // How many elements a dequeue may take now.
  virtual size_t Available(bool closed) const {
    static_cast<void>(closed);
    return size();
  }
  // True when a batched dequeue takes its n elements at once (so that they
  // come out sorted) instead of one by one as they arrive.
  virtual bool TakesBatchAtOnce() const { return false; }
  // Calls `visit` on every stored chunk, in the order Pop would hand them
  // out (a random store: the order it keeps them in).
  virtual void ForEach(
      const std::function<void(const Chunk&)>& visit) const = 0;
};

// First in, first out; batches stay whole and Pop hands out as much of the
// front batch as asked. A restored chunk goes back to the front in order.
class FifoStore final : public ElementStore {
 public:
  size_t size() const override { return size_; }
  void Push(Chunk chunk) override;
  Chunk Pop(size_t max) override;
  void Restore(Chunks chunks) override;
  void ForEach(const std::function<void(const Chunk&)>& visit) const override;

 private:
  std::deque<Chunk> chunks_;
  size_t size_ = 0;
};

// Uniformly random order (TensorFlow's swap-remove) over single elements.
// While the queue is open, min_after_dequeue elements stay behind. The same
// seeds and the same operations give the same order; seeds (0, 0) draw a
// fresh random seed.
class ShuffleStore final : public ElementStore {
 public:
  ShuffleStore(int32_t min_after_dequeue, int64_t seed, int64_t seed2);

  size_t size() const override { return elements_.size(); }
  void Push(Chunk chunk) override;
  Chunk Pop(size_t max) override;
  void Restore(Chunks chunks) override;
  size_t Available(bool closed) const override;
  void ForEach(const std::function<void(const Chunk&)>& visit) const override;

 private:
  size_t min_after_dequeue_;
  std::mt19937_64 generator_;
  std::vector<Chunk> elements_;  // Each of size 1.
};

// Smallest int64 priority (component 0) first; equal priorities leave in
// arrival order, and a restored batch goes back ahead of its equals.
class PriorityStore final : public ElementStore {
 public:
  size_t size() const override { return elements_.size(); }
  void Push(Chunk chunk) override;
  Chunk Pop(size_t max) override;
  void Restore(Chunks chunks) override;
  bool TakesBatchAtOnce() const override { return true; }
  void ForEach(const std::function<void(const Chunk&)>& visit) const override;

 private:
  // (priority, arrival sequence) -> element, a chunk of size 1.
  std::map<std::pair<int64_t, int64_t>, Chunk> elements_;
  int64_t next_sequence_ = 0;
  int64_t restored_sequence_ = 0;
};

// The store for `spec.kind`.
std::unique_ptr<ElementStore> MakeElementStore(const QueueSpec& spec);

}  // namespace troupe
