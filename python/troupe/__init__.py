"""Troupe's Python client: TensorFlow 1.x's shared queues and variables on a
cluster of `troupe task` processes, with numpy arrays in and out.

    session = troupe.Session("127.0.0.1:2222")
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name="shared_q",
                         device="/job:ps/task:0")
    q.enqueue([[1.0, 2.0]])
    batch = q.dequeue_many(2, timeout=5.0)   # numpy array of shape (2, 2)

Readers, decode_csv, queue runners, coordinators, producers and batchers
run on the tasks (TensorFlow's data loading):

    files = troupe.string_input_producer(session, ["my_test.csv"],
                                         num_epochs=1)
    reader = troupe.TextLineReader(session, skip_header_lines=1)
    batches = troupe.batch(session, troupe.ReaderSource(reader, files),
                           batch_size=2, record_defaults=[[-1.0], [-1]],
                           allow_smaller_final_batch=True)
    features, labels = batches.dequeue(timeout=5.0)

Checkpoints are troupe.train's Saver and latest_checkpoint, as in
tf.train. Errors are the exceptions of troupe.errors, named as TensorFlow
names them; Ctrl-C interrupts a call that waits (KeyboardInterrupt).
"""

from troupe import errors, train
from troupe._troupe import (
    Batcher,
    Coordinator,
    DType,
    FIFOQueue,
    FilledQueue,
    FixedLengthRecordReader,
    IdentityReader,
    PaddingFIFOQueue,
    PriorityQueue,
    Producer,
    QueueBase,
    QueueRunner,
    RandomShuffleQueue,
    ReaderBase,
    ReaderSource,
    Session,
    TFRecordReader,
    TextLineReader,
    Variable,
    WholeFileReader,
    __version__,
    batch,
    batch_join,
    bool,
    decode_csv,
    double,
    float32,
    float64,
    input_producer,
    int16,
    int32,
    int64,
    int8,
    range_input_producer,
    shuffle_batch,
    shuffle_batch_join,
    slice_input_producer,
    string,
    string_input_producer,
    uint16,
    uint8,
)

__all__ = [
    "Batcher",
    "Coordinator",
    "DType",
    "FIFOQueue",
    "FilledQueue",
    "FixedLengthRecordReader",
    "IdentityReader",
    "PaddingFIFOQueue",
    "PriorityQueue",
    "Producer",
    "QueueBase",
    "QueueRunner",
    "RandomShuffleQueue",
    "ReaderBase",
    "ReaderSource",
    "Session",
    "TFRecordReader",
    "TextLineReader",
    "Variable",
    "WholeFileReader",
    "__version__",
    "batch",
    "batch_join",
    "bool",
    "decode_csv",
    "double",
    "errors",
    "float32",
    "float64",
    "input_producer",
    "int16",
    "int32",
    "int64",
    "int8",
    "range_input_producer",
    "shuffle_batch",
    "shuffle_batch_join",
    "slice_input_producer",
    "string",
    "string_input_producer",
    "train",
    "uint16",
    "uint8",
]
