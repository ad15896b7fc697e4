"""TensorFlow's reader and queue-runner tests (reader_ops_test.py,
queue_runner_test.py, coordinator_test.py) that no other test of Troupe
covered, ported against a real task. Each test names the TF test it ports;
where Troupe answers differently on purpose (DATA_LOADING.md section 7, the
README's "Readers" and "Queue runners"), the test asserts Troupe's documented
behaviour and says so. docs/TF_TEST_PORT.md has the whole inventory."""

import threading

import numpy as np
import pytest

import troupe

TIMEOUT = 10.0


def string_queue(session, name, capacity=99):
    queue = troupe.FIFOQueue(session, capacity, [troupe.string], [[]],
                             shared_name=name)
    queue.size()  # made on the task before a reader or runner looks for it
    return queue


def int_queue(session, name, capacity):
    queue = troupe.FIFOQueue(session, capacity, [troupe.int32], [[]],
                             shared_name=name)
    queue.size()
    return queue


def start_coordinated_runner(session, name, source, capacity):
    """A started runner from `source` into a new int32 queue of `capacity`,
    on a coordinator of its own: (target, coordinator, runner)."""
    target = int_queue(session, name + "_target", capacity)
    coord = troupe.Coordinator(session, name + "_coord")
    runner = troupe.QueueRunner(session, target, source, coordinator=coord,
                                name=name)
    runner.start()
    return target, coord, runner


def drain(queue):
    values = []
    with pytest.raises(troupe.errors.OutOfRangeError, match="is closed"):
        while True:
            values.append(int(queue.dequeue(timeout=TIMEOUT)))
    return values


def test_identity_reader_reset(session, name):
    """IdentityReaderTest.testReset: reset zeroes the counters and forgets
    the current unit; the filename queue is untouched and the next read takes
    its next element."""
    files = string_queue(session, name + "_files")
    reader = troupe.IdentityReader(session, shared_name=name)
    files.enqueue_many(np.array([b"X", b"Y", b"Z"]), timeout=TIMEOUT)
    assert reader.read(files, timeout=TIMEOUT) == (b"X", b"X")
    assert reader.num_work_units_completed() == 1
    assert reader.num_records_produced() == 1
    assert files.size() == 2
    reader.reset()
    assert reader.num_work_units_completed() == 0
    assert reader.num_records_produced() == 0
    assert files.size() == 2
    assert reader.read(files, timeout=TIMEOUT) == (b"Y", b"Y")
    assert reader.num_work_units_completed() == 1
    assert reader.num_records_produced() == 1
    assert files.size() == 1


def test_whole_file_reader_infinite_epochs(task, session, name):
    """WholeFileReaderTest.testInfiniteEpochs: filenames enqueued again and
    again into a queue that is never closed are read again and again, one
    whole-file record per unit, keyed by the unit."""
    contents = {f"{name}_{i}.txt": f"contents of file {i}".encode()
                for i in range(3)}
    for filename, data in contents.items():
        (task.directory / filename).write_bytes(data)
    files = string_queue(session, name + "_files", capacity=99)
    reader = troupe.WholeFileReader(session, shared_name=name)
    order = list(contents)
    for filename in order:
        files.enqueue(filename, timeout=TIMEOUT)
    for filename in order[:2]:
        assert reader.read(files, timeout=TIMEOUT) == \
            (filename.encode(), contents[filename])
    for filename in order:
        files.enqueue(filename, timeout=TIMEOUT)
    for filename in order[2:] + order:
        assert reader.read(files, timeout=TIMEOUT) == \
            (filename.encode(), contents[filename])
    assert reader.num_work_units_completed() == 6
    assert not files.is_closed()


def test_async_reader_no_deadlock_from_queue(task, session, name):
    """AsyncReaderTest.testNoDeadlockFromQueue: three readers, each blocked
    reading its own empty queue, are unblocked one by one (in the reverse
    order) by an enqueue into their queue. In Troupe a waiting read holds no
    thread of the task: it is a waiter of the filename queue."""
    readers = []
    for i in range(3):
        files = string_queue(session, f"{name}_files{i}")
        reader = troupe.TextLineReader(session, shared_name=f"{name}_{i}")
        readers.append((files, reader, []))

    def read(reader, files, output):
        output.append(reader.read(files, timeout=TIMEOUT)[1])

    threads = [threading.Thread(target=read, args=(reader, files, output))
               for files, reader, output in readers]
    for thread in threads:
        thread.start()
    for i, ((files, _, output), thread) in enumerate(
            zip(reversed(readers), reversed(threads))):
        filename = f"{name}.{i}.txt"
        (task.directory / filename).write_bytes(f"file-{i}".encode())
        files.enqueue(filename, timeout=TIMEOUT)
        thread.join(timeout=2 * TIMEOUT)
        assert not thread.is_alive()
        assert output == [f"file-{i}".encode()]


def test_queue_runner_real_dequeue_enqueue(session, name):
    """QueueRunnerTest.testRealDequeueEnqueue: a runner dequeues from q0 and
    enqueues into q1; when q0 is closed and drained the runner ends cleanly
    and closes q1, whose elements are still delivered."""
    q0 = int_queue(session, name + "_q0", 3)
    q1 = int_queue(session, name + "_q1", 30)
    runner = troupe.QueueRunner(session, q1, q0, name=name)
    assert runner.start()
    q0.enqueue(10, timeout=TIMEOUT)
    q0.enqueue(10, timeout=TIMEOUT)
    q0.close(timeout=TIMEOUT)
    assert runner.join(timeout=TIMEOUT) == "finished"
    assert runner.status()["error"] is None
    assert drain(q1) == [10, 10]


def test_queue_runner_ignore_multi_starts(session, name):
    """QueueRunnerTest.testIgnoreMultiStarts: starting a running runner again
    starts nothing (TF's create_threads returns []; Troupe's start() returns
    False)."""
    source = int_queue(session, name + "_source", 3)
    target = int_queue(session, name + "_target", 3)
    runner = troupe.QueueRunner(session, target, source, name=name)
    assert runner.start()
    assert not runner.start()
    assert runner.status()["state"] == "running"
    source.close(timeout=TIMEOUT)
    assert runner.join(timeout=TIMEOUT) == "finished"


def test_queue_runner_multiple_sessions(task, session, name):
    """QueueRunnerTest.testMultipleSessions, adapted: TF counts a runner's
    threads per session. A Troupe runner is a resource of the task, so a
    second session naming the same runner finds it running and starts
    nothing."""
    source = int_queue(session, name + "_source", 3)
    target = int_queue(session, name + "_target", 3)
    runner = troupe.QueueRunner(session, target, source, name=name)
    assert runner.start()
    other = troupe.Session(task.target)
    again = troupe.QueueRunner(other, target, source, name=name)
    assert not again.start()
    source.close(timeout=TIMEOUT)
    assert again.join(timeout=TIMEOUT) == "finished"


def test_queue_runner_threads(session, name):
    """QueueRunnerTest.testThreads, adapted: TF's runner runs one thread per
    op (count_up_to(3) and count_up_to(30)) until each fails OUT_OF_RANGE.
    Troupe's runner runs one thread per source: two producers of 3 and 30
    numbers, each ending after one epoch; the runner finishes with no error
    and closes its target holding every number."""
    short = troupe.range_input_producer(session, 3, num_epochs=1,
                                        shuffle=False,
                                        shared_name=name + "_3")
    longer = troupe.range_input_producer(session, 30, num_epochs=1,
                                         shuffle=False,
                                         shared_name=name + "_30")
    target = int_queue(session, name + "_target", 40)
    runner = troupe.QueueRunner(session, target, [short, longer], name=name)
    assert runner.start()
    assert runner.join(timeout=TIMEOUT) == "finished"
    assert runner.status()["error"] is None
    assert sorted(drain(target)) == sorted(list(range(3)) + list(range(30)))


def test_queue_runner_respect_coord_should_stop(session, name):
    """QueueRunnerTest.testRespectCoordShouldStop: a runner started on a
    coordinator that was already asked to stop, before any runner named it,
    runs no step, so its target stays empty."""
    source = troupe.range_input_producer(session, 3, shared_name=name + "_r")
    target = int_queue(session, name + "_target", 10)
    coord = troupe.Coordinator(session, name + "_coord")
    coord.request_stop(timeout=TIMEOUT)
    assert coord.should_stop()
    runner = troupe.QueueRunner(session, target, source, coordinator=coord,
                                name=name)
    runner.start()
    assert runner.join(timeout=TIMEOUT) == "stopped"
    assert runner.status()["steps"] == 0
    assert coord.join(timeout=TIMEOUT) == "stopped"
    assert np.asarray(target.size()) == 0
    source.stop(timeout=TIMEOUT)


def test_queue_runner_exceptions_captured(session, name):
    """QueueRunnerTest.testExceptionsCaptured, adapted: TF records the
    failing op's error in exceptions_raised and, without a coordinator,
    leaves the queue open (DATA_LOADING.md 7.2). Troupe's runner fails with
    the error (status and join give it) and closes its target with that
    cause, so the consumer gets the cause instead of blocking."""
    source = troupe.string_input_producer(session, [b"x"], num_epochs=1,
                                          shared_name=name + "_s")
    target = int_queue(session, name + "_target", 10)
    runner = troupe.QueueRunner(session, target, source, name=name)
    runner.start()
    with pytest.raises(troupe.errors.InvalidArgumentError):
        runner.join(timeout=TIMEOUT)
    status = runner.status()
    assert status["state"] == "failed"
    assert status["error"].startswith("INVALID_ARGUMENT: ")
    with pytest.raises(troupe.errors.InvalidArgumentError):
        target.dequeue(timeout=TIMEOUT)


def test_coordinator_join_ignores_out_of_range(session, name):
    """CoordinatorTest.testJoinIgnoresOutOfRange: the end of data
    (OUT_OF_RANGE from a closed source) is a clean stop; the coordinator's
    join reports no error and no stop was requested."""
    source = troupe.range_input_producer(session, 4, num_epochs=1,
                                         shuffle=False,
                                         shared_name=name + "_r")
    target, coord, _ = start_coordinated_runner(session, name, source, 10)
    assert coord.join(timeout=TIMEOUT) == "finished"
    assert not coord.should_stop()
    assert drain(target) == [0, 1, 2, 3]


def test_coordinator_join_grace_expires(session, name):
    """CoordinatorTest.testJoinGraceExpires, adapted: TF's join gives up on
    threads that do not stop after the grace period ("Coordinator stopped
    with threads still running"). Troupe's join takes a timeout and raises
    DEADLINE_EXCEEDED while a runner still runs; a requested stop always
    ends its runners (a stop cancels a step wherever it waits), so the join
    after it returns."""
    numbers = troupe.range_input_producer(session, 5,
                                          shared_name=name + "_range")
    _, coord, runner = start_coordinated_runner(session, name, numbers, 2)
    with pytest.raises(troupe.errors.DeadlineExceededError):
        coord.join(timeout=0.05)
    coord.request_stop(timeout=TIMEOUT)
    assert coord.join(timeout=TIMEOUT) == "stopped"
    assert runner.status()["state"] == "stopped"
    numbers.stop(timeout=TIMEOUT)
