"""Errors: TensorFlow's exception classes with the task's text unchanged, and
the `timeout=` argument."""

import pytest

import troupe
from troupe import errors

TIMEOUT = 10.0


def test_dequeue_after_close_is_out_of_range(session, name):
    q = troupe.FIFOQueue(session, 4, [troupe.float32], [[2]], shared_name=name)
    q.enqueue([[1, 2]], timeout=TIMEOUT)
    q.close(timeout=TIMEOUT)
    with pytest.raises(errors.OutOfRangeError) as error:
        q.dequeue_many(2, timeout=TIMEOUT)
    assert isinstance(error.value, errors.OpError)
    assert error.value.error_code == errors.OUT_OF_RANGE
    assert error.value.message == (
        f"FIFOQueue '{name}' is closed and has insufficient elements "
        "(requested 2, current size 1)")
    assert str(error.value) == error.value.message
    with pytest.raises(errors.CancelledError):
        q.enqueue([[3, 4]], timeout=TIMEOUT)


def test_a_timeout_is_deadline_exceeded(session, name):
    q = troupe.FIFOQueue(session, 1, [troupe.int32], [[]], shared_name=name)
    with pytest.raises(errors.DeadlineExceededError) as error:
        q.dequeue(timeout=0.05)
    assert error.value.error_code == errors.DEADLINE_EXCEEDED
    q.enqueue(1, timeout=TIMEOUT)
    with pytest.raises(errors.DeadlineExceededError):
        q.enqueue(2, timeout=0.05)
    assert q.size() == 1


def test_a_negative_timeout_is_refused(session, name):
    q = troupe.FIFOQueue(session, 1, [troupe.int32], [[]], shared_name=name)
    with pytest.raises(ValueError):
        q.dequeue(timeout=-1.0)


def test_a_task_that_is_not_there_is_unavailable():
    from conftest import free_port
    q = troupe.FIFOQueue(troupe.Session(f"127.0.0.1:{free_port()}"), 1,
                         [troupe.int32], shared_name="q")
    with pytest.raises(errors.UnavailableError):
        q.size()


def test_every_code_has_tensorflows_class():
    expected = {
        errors.CANCELLED: errors.CancelledError,
        errors.UNKNOWN: errors.UnknownError,
        errors.INVALID_ARGUMENT: errors.InvalidArgumentError,
        errors.DEADLINE_EXCEEDED: errors.DeadlineExceededError,
        errors.NOT_FOUND: errors.NotFoundError,
        errors.ALREADY_EXISTS: errors.AlreadyExistsError,
        errors.PERMISSION_DENIED: errors.PermissionDeniedError,
        errors.RESOURCE_EXHAUSTED: errors.ResourceExhaustedError,
        errors.FAILED_PRECONDITION: errors.FailedPreconditionError,
        errors.ABORTED: errors.AbortedError,
        errors.OUT_OF_RANGE: errors.OutOfRangeError,
        errors.UNIMPLEMENTED: errors.UnimplementedError,
        errors.INTERNAL: errors.InternalError,
        errors.UNAVAILABLE: errors.UnavailableError,
        errors.DATA_LOSS: errors.DataLossError,
        errors.UNAUTHENTICATED: errors.UnauthenticatedError,
    }
    for code, cls in expected.items():
        assert errors.exception_type_from_error_code(code) is cls
        assert errors.error_code_from_exception_type(cls) == code
        error = cls(None, None, "text")
        assert isinstance(error, errors.OpError)
        assert (error.error_code, error.message) == (code, "text")
    assert errors.exception_type_from_error_code(99) is errors.UnknownError
