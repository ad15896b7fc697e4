"""Troupe's Python client: TensorFlow 1.x's shared queues and variables on a
cluster of `troupe task` processes, with numpy arrays in and out.

    session = troupe.Session("127.0.0.1:2222")
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name="shared_q",
                         device="/job:ps/task:0")
    q.enqueue([[1.0, 2.0]])
    batch = q.dequeue_many(2, timeout=5.0)   # numpy array of shape (2, 2)

Errors are the exceptions of troupe.errors, named as TensorFlow names them.
"""

from troupe import errors
from troupe._troupe import (
    DType,
    FIFOQueue,
    PaddingFIFOQueue,
    PriorityQueue,
    QueueBase,
    RandomShuffleQueue,
    Session,
    Variable,
    __version__,
    bool,
    double,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
)

__all__ = [
    "DType",
    "FIFOQueue",
    "PaddingFIFOQueue",
    "PriorityQueue",
    "QueueBase",
    "RandomShuffleQueue",
    "Session",
    "Variable",
    "__version__",
    "bool",
    "double",
    "errors",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "string",
    "uint8",
    "uint16",
]
