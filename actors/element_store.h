// ElementStore: how a queue kind keeps its elements and picks the next one.
// The FIFO store is here; shuffle, padding and priority orders plug in beside
// it.
#pragma once

#include <deque>
#include <memory>
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
  // Puts back a partial batch that `Pop` handed out, oldest first, so that
  // the queue is as if those elements had never been taken.
  virtual void Restore(std::vector<Tuple> elements) = 0;
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

// The store for `spec.kind`.
std::unique_ptr<ElementStore> MakeElementStore(const QueueSpec& spec);

}  // namespace troupe
