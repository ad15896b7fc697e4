#!/usr/bin/python3
"""The chapter's training-data loader in Python: pushes training instances
(float32 pairs) into the queue `shared_q` on the ps task, the first three one
by one and the rest with enqueue_many, then closes it.

    build/bin/troupe up --cluster examples/cluster.json &
    PYTHONPATH=build/python examples/python/training_data_loader.py [HOST:PORT] [INSTANCES]
"""

import sys

import numpy as np

import troupe


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:2222"
    instances = int(sys.argv[2]) if len(sys.argv) > 2 else 7

    session = troupe.Session(target)
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name="shared_q",
                         device="/job:ps/task:0", container="")

    values = np.arange(1, 2 * instances + 1, dtype=np.float32).reshape(instances, 2)
    one_by_one = min(3, instances)
    for instance in values[:one_by_one]:
        q.enqueue([instance])
        print(f"loader: enqueued {instance.tolist()}", flush=True)
    if instances > one_by_one:
        q.enqueue_many([values[one_by_one:]])
        print(f"loader: enqueue_many of {instances - one_by_one} instances",
              flush=True)
    q.close()
    print(f"loader: closed shared_q after {instances} instances", flush=True)


if __name__ == "__main__":
    main()
