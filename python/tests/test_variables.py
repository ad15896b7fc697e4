"""Variables from Python: assign, read_value, assign_add and assign_sub with
numpy arrays, and TensorFlow's errors."""

import numpy as np
import pytest

import troupe
from troupe import errors


def test_assign_read_and_update(session, name):
    v = troupe.Variable(session, troupe.float32, [2], shared_name=name)
    assert not v.is_initialized()
    with pytest.raises(errors.FailedPreconditionError) as error:
        v.read_value()
    assert name in error.value.message
    assert v.assign([1.0, 2.0]).tolist() == [1.0, 2.0]
    assert v.assign_add(np.array([0.5, 0.5], dtype=np.float32)).tolist() == [1.5, 2.5]
    assert v.assign_sub([1, 1]).tolist() == [0.5, 1.5]
    value = v.read_value()
    assert value.dtype == np.float32 and value.tolist() == [0.5, 1.5]
    assert v.is_initialized()
    assert (v.name, v.dtype, v.shape) == (name, troupe.float32, [2])


def test_a_second_handle_shares_the_value(session, name):
    first = troupe.Variable(session, troupe.int64, [], shared_name=name)
    second = troupe.Variable(troupe.Session(session.target), troupe.int64, [],
                             shared_name=name)
    first.assign(41)
    assert second.assign_add(1) == 42
    assert first.read_value() == 42


def test_a_shape_that_does_not_match_is_invalid(session, name):
    v = troupe.Variable(session, troupe.int32, [2], shared_name=name)
    with pytest.raises(errors.InvalidArgumentError, match="Assign requires shapes"):
        v.assign([1, 2, 3])
    assert v.assign([1, 2, 3], validate_shape=False).tolist() == [1, 2, 3]


def test_string_variable(session, name):
    v = troupe.Variable(session, "string", [2], shared_name=name)
    assert v.assign(["a", b"b"]).tolist() == [b"a", b"b"]
