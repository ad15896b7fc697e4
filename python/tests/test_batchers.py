"""Producers and batchers from Python: each a queue filled on the task,
whose dequeue gives the next element or batch."""

import numpy as np
import pytest

import troupe

TIMEOUT = 10.0


def test_batch_over_a_range_producer(session, name):
    numbers = troupe.range_input_producer(session, 10, num_epochs=1,
                                          shuffle=False,
                                          shared_name=name + "_range")
    batches = troupe.batch(session, numbers, batch_size=4,
                           allow_smaller_final_batch=True, shared_name=name)
    assert batches.batch_size == 4
    sizes, seen = [], []
    with pytest.raises(troupe.errors.OutOfRangeError):
        while True:
            batch = batches.dequeue(timeout=TIMEOUT)
            sizes.append(len(batch))
            seen += batch.tolist()
    assert sizes == [4, 4, 2] and sorted(seen) == list(range(10))
    assert batches.join(timeout=TIMEOUT) == "finished"


def test_string_and_slice_producers(session, name):
    strings = troupe.string_input_producer(session, [b"a", b"b"],
                                           num_epochs=2, shuffle=False,
                                           shared_name=name + "_s")
    assert [strings.dequeue(timeout=TIMEOUT)[()] for _ in range(4)] == \
        [b"a", b"b", b"a", b"b"]
    with pytest.raises(troupe.errors.OutOfRangeError):
        strings.dequeue(timeout=TIMEOUT)
    slices = troupe.slice_input_producer(
        session, [np.arange(3, dtype=np.int64), [b"x", b"y", b"z"]],
        num_epochs=1, shuffle=False, shared_name=name + "_slices")
    number, text = slices.dequeue(timeout=TIMEOUT)
    assert number.dtype == np.int64 and (number, text[()]) == (0, b"x")


def test_shuffle_batch_join_over_two_producers(session, name):
    sources = [troupe.input_producer(session, np.arange(start, start + 4,
                                                        dtype=np.int32),
                                     num_epochs=1,
                                     shared_name=f"{name}_{start}")
               for start in (0, 4)]
    batches = troupe.shuffle_batch_join(session, sources, batch_size=2,
                                        capacity=8, min_after_dequeue=2,
                                        seed=7,
                                        allow_smaller_final_batch=True,
                                        shared_name=name)
    seen = []
    with pytest.raises(troupe.errors.OutOfRangeError):
        while True:
            seen += batches.dequeue(timeout=TIMEOUT).tolist()
    assert sorted(seen) == list(range(8))


def test_batcher_validation_uses_tensorflows_words(session, name):
    numbers = troupe.range_input_producer(session, 3, num_epochs=1,
                                          shared_name=name + "_range")
    with pytest.raises(troupe.errors.InvalidArgumentError,
                       match="must be bigger than min_after_dequeue"):
        troupe.shuffle_batch(session, numbers, 2, capacity=10,
                             min_after_dequeue=10, shared_name=name)
    with pytest.raises(troupe.errors.InvalidArgumentError,
                       match="string_input_producer requires a non-null"):
        troupe.string_input_producer(session, [], shared_name=name + "_s")
