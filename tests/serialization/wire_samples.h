// Sample messages of the wire, one per kind, for the wire tests and the fuzz
// corpus generator, and a frame's bytes in one buffer.
#pragma once

#include <vector>

#include "serialization/wire_encoder.h"
#include "serialization/wire_messages.h"

namespace troupe {

// One message of each kind of Message, with tensors of several dtypes (a
// string tensor, an empty one, a slice) wherever the kind carries them.
std::vector<Message> SampleMessages();

// The bytes `frame` puts on the wire, in one buffer.
std::vector<char> Flatten(const EncodedFrame& frame);

}  // namespace troupe
