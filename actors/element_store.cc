#include "actors/element_store.h"

namespace troupe {

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

std::unique_ptr<ElementStore> MakeElementStore(const QueueSpec&) {
  return std::make_unique<FifoStore>();
}

}  // namespace troupe
