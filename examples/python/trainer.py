#!/usr/bin/python3
"""The chapter's trainer in Python: pulls mini-batches from `shared_q` on the
ps task with dequeue_many, then the remainder with dequeue_up_to, until the
closed queue is drained (OutOfRangeError).

    PYTHONPATH=build/python examples/python/trainer.py [HOST:PORT] [BATCH_SIZE]
"""

import sys

import troupe


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:2222"
    batch_size = int(sys.argv[2]) if len(sys.argv) > 2 else 2

    session = troupe.Session(target)
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name="shared_q",
                         device="/job:ps/task:0", container="")

    received = 0
    for dequeue in (q.dequeue_many, q.dequeue_up_to):
        while True:
            try:
                mini_batch = dequeue(batch_size)
            except troupe.errors.OutOfRangeError as error:
                print(f"trainer: {dequeue.__name__}: {error.message}", flush=True)
                break
            print(f"trainer: {dequeue.__name__} -> {mini_batch.tolist()}",
                  flush=True)
            received += len(mini_batch)
    print(f"trainer: received {received} instances", flush=True)


if __name__ == "__main__":
    main()
