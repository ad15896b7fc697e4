// The reader actor: serves ReaderActor's messages (serialization/protocol.h),
// TensorFlow's ReaderBase driving a formats/ RecordSource over work units
// taken from a filename queue on the same task and container.
#pragma once

#include <optional>
#include <string>

#include "caf/fwd.hpp"

#include "config/data_dir.h"
#include "formats/reader_options.h"
#include "serialization/protocol.h"

namespace troupe {

struct ReaderActorOptions {
  // The shared name, which errors and state name.
  std::string name;
  // The container whose queues serve as filename queues.
  std::string container;
  // REQUIRES: ValidateReaderOptions(options).ok().
  ReaderOptions options;
  // Where work units are resolved; without it every file read fails
  // FAILED_PRECONDITION (IdentityReader needs none).
  std::optional<DataDir> data_dir;
  // The task that holds the filename queues (looked up by name per unit).
  TaskActor task;
};

// Reads are served one at a time in arrival order (TensorFlow holds the
// reader's mutex for a read); one waiting for a filename is a waiter of the
// filename queue, and the reader answers reader-stats, reset and serialize
// meanwhile. At most 10000 reads wait; past that a read fails
// RESOURCE_EXHAUSTED. A turn reads at most a bounded number of records; a
// longer read_up_to goes on in later turns, and returns early once it holds
// 64 MiB. reset and restore first answer a read_up_to that has records of the
// unit they leave. Any exit message (a reset or the task's shutdown) stops
// the reader; its waiting reads fail with that reason. Its filename queues
// are in its own container, so such a reset stops them too and no filename
// is left with a dequeue of a stopped reader.
//
// Troupe's departures from TensorFlow (DATA_LOADING.md §7): a filename queue
// whose declared spec cannot give a one-element string is refused before
// anything is dequeued; a file that is missing or outside the data directory
// fails one read and is dropped (WholeFileReader too); negative n is refused;
// every kind serializes its state, and a failed restore changes nothing; an
// error in a read_up_to that already has records returns those records, and
// the error comes on the next read.
ReaderActor SpawnReader(caf::actor_system& system, ReaderActorOptions options);

}  // namespace troupe
