"""The book's cells 23 and 24 ("Queue runners and coordinators") in Python:
a QueueRunner of five threads on the task reads my_test.csv (in the task's
--data-dir) with a TextLineReader, decodes each line and fills the shuffled
instance queue, while this program prints minibatches of dequeue_up_to(2).
Cell 23 shares one reader among the threads, cell 24 gives each its own.
Unlike the book's cells, the pipeline ends by itself: nothing is left waiting.

    /usr/bin/python3 examples/python/queue_runners.py [HOST:PORT]
"""

import sys

import troupe

TIMEOUT = 30.0
N_THREADS = 5


def run_cell(session, container, reader_per_thread):
    filename_queue = troupe.FIFOQueue(session, capacity=10,
                                      dtypes=[troupe.string], shapes=[[]],
                                      shared_name="filenames",
                                      container=container)
    instance_queue = troupe.RandomShuffleQueue(
        session, capacity=10, min_after_dequeue=2,
        dtypes=[troupe.float32, troupe.int32], shapes=[[2], []],
        shared_name="shared_instance_q", container=container)
    reader = troupe.TextLineReader(session, skip_header_lines=1,
                                   shared_name="reader", container=container)
    coord = troupe.Coordinator(session, "coord", container=container)
    queue_runner = troupe.QueueRunner(
        session, instance_queue,
        troupe.ReaderSource(reader, filename_queue,
                            reader_per_thread=reader_per_thread),
        N_THREADS, coordinator=coord, container=container,
        record_defaults=[[-1.], [-1.], [-1]], components=[[0, 1], 2])

    filename_queue.enqueue("my_test.csv", timeout=TIMEOUT)
    filename_queue.close(timeout=TIMEOUT)
    instance_queue.size()  # made on the task before the runner looks for it
    if not reader_per_thread:
        reader.num_records_produced()  # the shared reader, made on the task
    queue_runner.start()
    try:
        while True:
            instances, targets = instance_queue.dequeue_up_to(2,
                                                              timeout=TIMEOUT)
            print([instances.tolist(), targets.tolist()], flush=True)
    except troupe.errors.OutOfRangeError:
        print("No more training instances", flush=True)
    print("coordinator:", coord.join(timeout=TIMEOUT), flush=True)


def main():
    session = troupe.Session(sys.argv[1] if len(sys.argv) > 1
                             else "127.0.0.1:2222")
    print("== cell 23: a QueueRunner, five threads, one reader", flush=True)
    run_cell(session, "py_cell23", reader_per_thread=False)
    print("== cell 24: a QueueRunner, five threads, a reader each", flush=True)
    run_cell(session, "py_cell24", reader_per_thread=True)
    session.reset(["py_cell23", "py_cell24"])


if __name__ == "__main__":
    main()
