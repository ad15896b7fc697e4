// ElementStore: how a queue kind keeps its elements and picks the next one:
// first in first out, uniformly random, or smallest priority first.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "serialization/queue_spec.h"
#include "serialization/tensor.h"

namespace troupe {

class ElementStore {
 public:
  virtual ~ElementStore() = default;

  virtual size_t size() const = 0;
  // Adds an element that passed validation.
  virtual void Push(Tuple element) = 0;
  // Removes the next element in this kind's order. REQUIRES: size() > 0.
  virtual Tuple Pop() = 0;
  // Puts back a partial batch that Pop handed out, oldest first, so that the
  // queue is as if those elements had never been taken.
  virtual void Restore(std::vector<Tuple> elements) = 0;
  // How many elements a dequeue may take now.
  virtual size_t Available(bool closed) const {
    static_cast<void>(closed);
    return size();
  }
  // True when a batched dequeue takes its n elements at once (so that they
  // come out sorted) instead of one by one as they arrive.
  virtual bool TakesBatchAtOnce() const { return false; }
};

// First in, first out; a restored batch goes back to the front in order.
class FifoStore final : public ElementStore {
 public:
  size_t size() const override { return elements_.size(); }
  void Push(Tuple element) override { elements_.push_back(std::move(element)); }
  Tuple Pop() override;
  void Restore(std::vector<Tuple> elements) override;

 private:
  std::deque<Tuple> elements_;
};

// Uniformly random order (TensorFlow's swap-remove). While the queue is
// open, min_after_dequeue elements stay behind. The same seeds and the same
// operations give the same order; seeds (0, 0) draw a fresh random seed.
class ShuffleStore final : public ElementStore {
 public:
  ShuffleStore(int32_t min_after_dequeue, int64_t seed, int64_t seed2);

  size_t size() const override { return elements_.size(); }
  void Push(Tuple element) override { elements_.push_back(std::move(element)); }
  Tuple Pop() override;
  void Restore(std::vector<Tuple> elements) override;
  size_t Available(bool closed) const override;

 private:
  size_t min_after_dequeue_;
  std::mt19937_64 generator_;
  std::vector<Tuple> elements_;
};

// Smallest int64 priority (component 0) first; equal priorities leave in
// arrival order, and a restored batch goes back ahead of its equals.
class PriorityStore final : public ElementStore {
 public:
  size_t size() const override { return elements_.size(); }
  void Push(Tuple element) override;
  Tuple Pop() override;
  void Restore(std::vector<Tuple> elements) override;
  bool TakesBatchAtOnce() const override { return true; }

 private:
  // (priority, arrival sequence) -> element.
  std::map<std::pair<int64_t, int64_t>, Tuple> elements_;
  int64_t next_sequence_ = 0;
  int64_t restored_sequence_ = 0;
};

// The store for `spec.kind`.
std::unique_ptr<ElementStore> MakeElementStore(const QueueSpec& spec);

}  // namespace troupe
