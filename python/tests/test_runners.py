"""QueueRunner and Coordinator from Python: a runner on the task fills a
queue from a reader or a producer, ends by itself with its data, stops on
request, and hands its first error to the consumer."""

import numpy as np
import pytest

import troupe

TIMEOUT = 10.0
CSV = "x1,x2,target\n1.,2.,0\n4.,5.,1\n7.,8.,0\n"


def files_and_instances(session, name, *filenames):
    files = troupe.FIFOQueue(session, 10, [troupe.string], [[]],
                             shared_name=name + "_files")
    for filename in filenames:
        files.enqueue(filename, timeout=TIMEOUT)
    files.close(timeout=TIMEOUT)
    instances = troupe.FIFOQueue(session, 10, [troupe.float32, troupe.int32],
                                 [[2], []], shared_name=name + "_instances")
    instances.size()  # made on the task before a runner looks for it
    return files, instances


def drain(queue):
    rows = []
    try:
        while True:
            features, targets = queue.dequeue_up_to(2, timeout=TIMEOUT)
            rows += zip(features.tolist(), targets.tolist())
    except troupe.errors.OutOfRangeError:
        return sorted(rows)


def test_a_queue_runner_fills_a_queue_and_ends_with_its_data(task, session,
                                                              name):
    (task.directory / f"{name}.csv").write_text(CSV)
    files, instances = files_and_instances(session, name, f"{name}.csv")
    reader = troupe.TextLineReader(session, skip_header_lines=1,
                                   shared_name=name)
    coord = troupe.Coordinator(session, name + "_coord")
    runner = troupe.QueueRunner(session, instances,
                                troupe.ReaderSource(reader, files), 3,
                                coordinator=coord, name=name,
                                record_defaults=[[-1.], [-1.], [-1]],
                                components=[[0, 1], 2])
    reader.num_records_produced()
    assert runner.start()
    assert drain(instances) == [([1.0, 2.0], 0), ([4.0, 5.0], 1),
                                ([7.0, 8.0], 0)]
    assert coord.join(timeout=TIMEOUT) == "finished"
    assert runner.join(timeout=TIMEOUT) == "finished"
    assert runner.status()["steps"] == 3 and runner.status()["error"] is None


def test_a_coordinator_stops_an_endless_runner(session, name):
    numbers = troupe.range_input_producer(session, 5, shuffle=False,
                                          shared_name=name + "_range")
    target = troupe.FIFOQueue(session, 2, [troupe.int32], [[]],
                              shared_name=name)
    target.size()
    coord = troupe.Coordinator(session, name + "_coord")
    runner = troupe.QueueRunner(session, target, numbers, coordinator=coord)
    runner.start()
    assert target.dequeue(timeout=TIMEOUT) == 0
    assert not coord.should_stop()
    coord.request_stop(timeout=TIMEOUT)
    assert coord.should_stop()
    assert coord.join(timeout=TIMEOUT) == "stopped"
    assert target.is_closed()
    numbers.stop(timeout=TIMEOUT)


def test_a_missing_file_reaches_the_consumer_as_not_found(session, name):
    files, instances = files_and_instances(session, name, "absent.csv")
    coord = troupe.Coordinator(session, name + "_coord")
    runner = troupe.QueueRunner(
        session, instances,
        troupe.ReaderSource(troupe.TextLineReader(session), files,
                            reader_per_thread=True),
        coordinator=coord, record_defaults=[[-1.], [-1.], [-1]],
        components=[[0, 1], 2])
    runner.start()
    with pytest.raises(troupe.errors.NotFoundError, match="absent.csv"):
        instances.dequeue(timeout=TIMEOUT)
    with pytest.raises(troupe.errors.NotFoundError, match="absent.csv"):
        coord.join(timeout=TIMEOUT)
    assert coord.should_stop()
    assert runner.status()["state"] == "failed"


def test_a_runner_joined_too_early_times_out(session, name):
    target = troupe.FIFOQueue(session, 1, [troupe.int32], [[]],
                              shared_name=name)
    target.size()
    numbers = troupe.range_input_producer(session, 3, shared_name=name + "_r")
    runner = troupe.QueueRunner(session, target, numbers, name=name)
    runner.start()
    with pytest.raises(troupe.errors.DeadlineExceededError):
        runner.join(timeout=0.05)
    runner.stop(timeout=TIMEOUT)
    numbers.stop(timeout=TIMEOUT)
    assert runner.status()["state"] == "stopped"
    assert np.asarray(target.size()) <= 1
