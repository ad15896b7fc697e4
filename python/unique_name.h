// Shared names for resources created without one, as TensorFlow gives a
// queue or variable without shared_name a name of its own.
#pragma once

#include <string>

namespace troupe::python {

// "<prefix>_<random hex>_<counter>": unique across processes and calls.
std::string UniqueSharedName(const std::string& prefix);

}  // namespace troupe::python
