"""What crosses between numpy and tensors: dequeued arrays are read-only views
of the received bytes (no copy), inputs of any layout and convertible dtype
go in, others are refused."""

import numpy as np
import pytest

import troupe

TIMEOUT = 10.0


def test_a_dequeued_array_is_a_view_of_the_tensor(session, name):
    q = troupe.FIFOQueue(session, 2, [troupe.float64], [[256, 256]],
                         shared_name=name)
    sent = np.random.default_rng(1).random((256, 256))
    q.enqueue(sent, timeout=TIMEOUT)
    received = q.dequeue(timeout=TIMEOUT)
    assert np.array_equal(received, sent)
    # The bytes belong to the tensor, which the array keeps alive.
    assert not received.flags.owndata
    assert received.base is not None
    assert not received.flags.writeable
    assert received.flags.c_contiguous
    writable = np.array(received)
    writable += 1
    assert np.array_equal(received, sent)


def test_views_outlive_other_references(session, name):
    q = troupe.FIFOQueue(session, 2, [troupe.int32, troupe.int32], [[3], [3]],
                         shared_name=name)
    q.enqueue([[1, 2, 3], [4, 5, 6]], timeout=TIMEOUT)
    first, second = q.dequeue(timeout=TIMEOUT)
    del q, second
    assert first.tolist() == [1, 2, 3]


def test_non_contiguous_and_other_kinds_of_input(session, name):
    q = troupe.FIFOQueue(session, 4, [troupe.float32, troupe.bool],
                         [[2, 2], [2]], shared_name=name)
    wide = np.arange(16, dtype=np.float64).reshape(4, 4)
    q.enqueue([wide[::2, ::2], [True, False]], timeout=TIMEOUT)
    floats, flags = q.dequeue(timeout=TIMEOUT)
    assert floats.dtype == np.float32
    assert floats.tolist() == [[0, 2], [8, 10]]
    assert flags.dtype == np.bool_ and flags.tolist() == [True, False]


def test_values_that_do_not_fit_are_refused(session, name):
    q = troupe.FIFOQueue(session, 4, [troupe.int32], [[2]], shared_name=name)
    with pytest.raises(TypeError, match="cannot convert"):
        q.enqueue(np.array([1.5, 2.5]), timeout=TIMEOUT)
    with pytest.raises(ValueError, match="expected 1 values"):
        q.enqueue([[1, 2], [3, 4]], timeout=TIMEOUT)
    with pytest.raises(troupe.errors.InvalidArgumentError) as error:
        q.enqueue([[1, 2, 3]], timeout=TIMEOUT)
    assert error.value.error_code == troupe.errors.INVALID_ARGUMENT
    assert "[3]" in error.value.message and "[2]" in error.value.message
    assert q.size() == 0
