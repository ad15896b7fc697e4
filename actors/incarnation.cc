#include "actors/incarnation.h"

#include <sys/random.h>

#include <random>

namespace troupe {

uint64_t NewIncarnation() {
  uint64_t incarnation = 0;
  while (incarnation == 0) {
    if (getrandom(&incarnation, sizeof(incarnation), 0) !=
        static_cast<ssize_t>(sizeof(incarnation))) {
      std::random_device device;
      incarnation = (static_cast<uint64_t>(device()) << 32) | device();
    }
  }
  return incarnation;
}

}  // namespace troupe
