"""Python feed rate (issue 15 item 2): elements/s from Python into a Troupe
FIFOQueue with enqueue_many, and out with dequeue_many, against redis-py
moving the same rows through a Redis list. Each batch is one call and one
round trip on both sides: enqueue_many(rows) vs RPUSH key row_1 .. row_B
(every row its own list element, its bytes sliced from the same array),
dequeue_many(B) vs LPOP key B (Redis >= 6.2), rebuilt into a float32 array.
Rounds alternate Troupe and Redis; the best round of each is printed.

    /usr/bin/python3 bench/python_feed.py TROUPE_HOST:PORT REDIS_PORT \
        [--rows N] [--width D] [--batch B] [--rounds R]
"""

import argparse
import time

import numpy as np
import redis

import troupe

TIMEOUT = 60.0


def troupe_round(session, rows, batch, index):
    queue = troupe.FIFOQueue(session, capacity=len(rows),
                             dtypes=[troupe.float32],
                             shapes=[[rows.shape[1]]],
                             shared_name=f"python_feed_{index}",
                             container="python_feed")
    start = time.perf_counter()
    for offset in range(0, len(rows), batch):
        queue.enqueue_many(rows[offset:offset + batch], timeout=TIMEOUT)
    fed = time.perf_counter()
    taken = 0
    while taken < len(rows):
        taken += len(queue.dequeue_many(batch, timeout=TIMEOUT))
    drained = time.perf_counter()
    session.reset(["python_feed"])
    return fed - start, drained - fed


def redis_round(client, rows, batch, index):
    key = f"python_feed_{index}"
    row_bytes = rows.shape[1] * rows.itemsize
    start = time.perf_counter()
    for offset in range(0, len(rows), batch):
        block = rows[offset:offset + batch].tobytes()
        client.rpush(key, *[block[i:i + row_bytes]
                            for i in range(0, len(block), row_bytes)])
    fed = time.perf_counter()
    taken = 0
    while taken < len(rows):
        values = client.lpop(key, batch)
        np.frombuffer(b"".join(values), dtype=np.float32).reshape(
            len(values), rows.shape[1])
        taken += len(values)
    drained = time.perf_counter()
    client.delete(key)
    return fed - start, drained - fed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("troupe_target")
    parser.add_argument("redis_port", type=int)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    rows = np.random.default_rng(1).random((args.rows, args.width),
                                           dtype=np.float32)
    session = troupe.Session(args.troupe_target)
    client = redis.Redis(host="127.0.0.1", port=args.redis_port)
    best = {"troupe": [float("inf")] * 2, "redis": [float("inf")] * 2}
    for index in range(args.rounds):
        for system, run in (("troupe", lambda: troupe_round(
                session, rows, args.batch, index)),
                            ("redis", lambda: redis_round(
                                client, rows, args.batch, index))):
            times = run()
            best[system] = [min(a, b) for a, b in zip(best[system], times)]

    megabytes = rows.nbytes / 1e6
    print(f"python feed: {args.rows} rows of {args.width} float32 "
          f"({rows.shape[1] * 4} B), batches of {args.batch}, best of "
          f"{args.rounds} rounds")
    print("| direction | Troupe (elements/s, MB/s) | redis-py "
          "(elements/s, MB/s) | Troupe / redis-py |")
    print("|---|---|---|---|")
    for column, direction in ((0, "enqueue_many vs RPUSH"),
                              (1, "dequeue_many vs LPOP count")):
        t, r = best["troupe"][column], best["redis"][column]
        print(f"| {direction} | {args.rows / t:,.0f}, {megabytes / t:.0f} | "
              f"{args.rows / r:,.0f}, {megabytes / r:.0f} | {r / t:.2f}x |")


if __name__ == "__main__":
    main()
