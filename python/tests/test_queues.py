"""Queues from Python: values in and out as numpy arrays, batching, the bare
value of a single component, and the other queue kinds."""

import numpy as np
import pytest

import troupe
from conftest import queue_info

TIMEOUT = 10.0


def test_round_trip_of_float32_int32_and_string(session, name):
    q = troupe.FIFOQueue(session, capacity=4,
                         dtypes=[troupe.float32, troupe.int32, troupe.string],
                         shapes=[[2], [], []], shared_name=name)
    q.enqueue([np.array([1.5, 2.5], dtype=np.float32), 7, b"bytes \xff"],
              timeout=TIMEOUT)
    q.enqueue(([3.0, 4.0], np.int32(-8), "text \u00e9"), timeout=TIMEOUT)

    floats, integer, text = q.dequeue(timeout=TIMEOUT)
    assert floats.dtype == np.float32 and floats.tolist() == [1.5, 2.5]
    assert integer.dtype == np.int32 and integer.shape == () and integer == 7
    assert text.dtype == object and text.shape == () and text[()] == b"bytes \xff"

    floats, integer, text = q.dequeue(timeout=TIMEOUT)
    assert floats.tolist() == [3.0, 4.0]
    assert integer == -8
    assert text[()] == "text \u00e9".encode()


def test_a_single_component_is_a_bare_value(session, name):
    q = troupe.FIFOQueue(session, 4, [troupe.int64], [[2]], shared_name=name)
    q.enqueue(np.array([1, 2]), timeout=TIMEOUT)
    q.enqueue([[3, 4]], timeout=TIMEOUT)
    first = q.dequeue(timeout=TIMEOUT)
    assert isinstance(first, np.ndarray) and first.tolist() == [1, 2]
    assert q.dequeue(timeout=TIMEOUT).tolist() == [3, 4]
    assert q.dtypes == [troupe.int64] and q.shapes == [[2]]
    assert q.name == name


def test_enqueue_many_and_dequeue_many_batch(session, name):
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name=name)
    batch = np.arange(10, dtype=np.float32).reshape(5, 2)
    q.enqueue_many(batch, timeout=TIMEOUT)
    assert q.size() == 5
    first = q.dequeue_many(2, timeout=TIMEOUT)
    assert first.shape == (2, 2) and first.tolist() == [[0, 1], [2, 3]]
    q.close(timeout=TIMEOUT)
    assert q.is_closed()
    rest = q.dequeue_up_to(10, timeout=TIMEOUT)
    assert rest.tolist() == [[4, 5], [6, 7], [8, 9]]


def test_strings_batch_as_object_arrays(session, name):
    q = troupe.FIFOQueue(session, 10, [troupe.string, troupe.int32], [[], []],
                         shared_name=name)
    q.enqueue_many([np.array([b"a", b"bc", b""]), [1, 2, 3]], timeout=TIMEOUT)
    strings, numbers = q.dequeue_many(3, timeout=TIMEOUT)
    assert strings.dtype == object
    assert strings.tolist() == [b"a", b"bc", b""]
    assert numbers.tolist() == [1, 2, 3]


def test_random_shuffle_queue_keeps_min_after_dequeue(session, name):
    q = troupe.RandomShuffleQueue(session, capacity=10, min_after_dequeue=2,
                                  dtypes=[troupe.int32], shapes=[[]], seed=7,
                                  seed2=11, shared_name=name)
    q.enqueue_many(np.arange(5, dtype=np.int32), timeout=TIMEOUT)
    taken = q.dequeue_many(3, timeout=TIMEOUT).tolist()
    with pytest.raises(troupe.errors.DeadlineExceededError):
        q.dequeue(timeout=0.05)
    q.close(timeout=TIMEOUT)
    taken += q.dequeue_up_to(5, timeout=TIMEOUT).tolist()
    assert sorted(taken) == [0, 1, 2, 3, 4]


def test_padding_fifo_queue_pads_unknown_dimensions(session, name):
    q = troupe.PaddingFIFOQueue(session, 4, [troupe.int32], [[None]],
                                shared_name=name)
    q.enqueue([[1]], timeout=TIMEOUT)
    q.enqueue([[2, 3, 4]], timeout=TIMEOUT)
    assert q.dequeue_many(2, timeout=TIMEOUT).tolist() == [[1, 0, 0], [2, 3, 4]]


def test_priority_queue_gives_the_smallest_priority_first(session, name):
    q = troupe.PriorityQueue(session, 4, [troupe.string], [[]], shared_name=name)
    assert q.dtypes == [troupe.int64, troupe.string]
    q.enqueue([5, b"late"], timeout=TIMEOUT)
    q.enqueue([1, b"early"], timeout=TIMEOUT)
    priority, value = q.dequeue(timeout=TIMEOUT)
    assert priority == 1 and value[()] == b"early"


def test_a_dtype_may_be_named(session, name):
    q = troupe.FIFOQueue(session, 2, ["float64", np.int16], [[], []],
                         shared_name=name)
    assert q.dtypes == [troupe.float64, troupe.int16]


def test_list_shows_the_queue(session, name):
    q = troupe.FIFOQueue(session, 3, [troupe.float32], [[2]], shared_name=name)
    q.enqueue([[1, 2]], timeout=TIMEOUT)
    listed = [r for r in session.list() if r["name"] == name]
    assert len(listed) == 1
    assert listed[0]["kind"] == "FIFOQueue"
    assert listed[0]["size"] == 1 and listed[0]["capacity"] == 3
    assert listed[0]["dtypes"] == [troupe.float32]
    assert listed[0]["shapes"] == [[2]]


def test_a_queue_without_shared_name_gets_its_own(session):
    first = troupe.FIFOQueue(session, 2, [troupe.int32])
    second = troupe.FIFOQueue(session, 2, [troupe.int32])
    first.enqueue(1, timeout=TIMEOUT)
    assert first.name != second.name
    assert second.size() == 0


def test_list_counts_elements_in_and_out_and_their_bytes(session, name):
    q = troupe.FIFOQueue(session, 10, [troupe.float32], [[2]], shared_name=name)
    q.enqueue_many(np.zeros((3, 2), dtype=np.float32), timeout=TIMEOUT)
    q.dequeue(timeout=TIMEOUT)
    info = queue_info(session, name)
    assert info["enqueued_total"] == 3 and info["dequeued_total"] == 1
    assert info["size"] == 2 and info["bytes_held"] == 16
