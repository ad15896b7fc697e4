"""One Session shared by Python threads (a loader and a trainer, calls that
wait releasing the GIL), and resetting a container under waiting calls."""

import threading

import numpy as np
import pytest

import troupe
from troupe import errors
from conftest import wait_until, waiting_dequeues, waiting_enqueues

TIMEOUT = 20.0
INSTANCES = 100
BATCH = 8


def test_loader_and_trainer_threads_share_a_session(session, name):
    q = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.float32],
                         shapes=[[2]], shared_name=name)
    received = []
    failures = []

    def trainer():
        try:
            while True:
                try:
                    received.extend(q.dequeue_many(BATCH, timeout=TIMEOUT).tolist())
                except errors.OutOfRangeError:
                    break
            received.extend(q.dequeue_up_to(BATCH, timeout=TIMEOUT).tolist())
        except Exception as error:  # reported by the test's thread
            failures.append(error)

    def loader():
        try:
            for i in range(INSTANCES):
                q.enqueue([[2.0 * i, 2.0 * i + 1]], timeout=TIMEOUT)
            q.close(timeout=TIMEOUT)
        except Exception as error:  # reported by the test's thread
            failures.append(error)

    trainer_thread = threading.Thread(target=trainer)
    trainer_thread.start()
    # The trainer waits inside dequeue_many before the loader starts: with
    # the GIL held there, the loader could never run.
    assert wait_until(lambda: waiting_dequeues(session, name) == 1)
    loader_thread = threading.Thread(target=loader)
    loader_thread.start()
    loader_thread.join(timeout=2 * TIMEOUT)
    trainer_thread.join(timeout=2 * TIMEOUT)
    assert not loader_thread.is_alive() and not trainer_thread.is_alive()
    assert failures == []
    expected = np.arange(2 * INSTANCES, dtype=np.float32).reshape(INSTANCES, 2)
    assert received == expected.tolist()


def test_reset_cancels_waiting_calls_and_forgets_resources(session, name):
    container = name + "_container"
    q = troupe.FIFOQueue(session, 2, [troupe.int32], [[]], shared_name=name,
                         container=container)
    v = troupe.Variable(session, troupe.int32, [], shared_name=name,
                        container=container)
    v.assign(3)
    outcome = []

    def waiter():
        try:
            q.dequeue(timeout=TIMEOUT)
        except errors.OpError as error:
            outcome.append(error)

    thread = threading.Thread(target=waiter)
    thread.start()
    assert wait_until(lambda: waiting_dequeues(session, name, container) == 1)
    session.reset([container])
    thread.join(timeout=TIMEOUT)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], errors.CancelledError)
    with pytest.raises(errors.NotFoundError):
        q.size()
    with pytest.raises(errors.NotFoundError):
        v.read_value()
    # The variable is declared again, and must be assigned again.
    with pytest.raises(errors.FailedPreconditionError):
        v.read_value()


def test_close_cancels_pending_enqueues(session, name):
    q = troupe.FIFOQueue(session, 1, [troupe.int32], [[]], shared_name=name)
    q.enqueue(1, timeout=TIMEOUT)
    outcome = []

    def blocked_loader():
        try:
            q.enqueue(2, timeout=TIMEOUT)
        except errors.OpError as error:
            outcome.append(error)

    thread = threading.Thread(target=blocked_loader)
    thread.start()
    assert wait_until(lambda: waiting_enqueues(session, name) == 1)
    q.close(cancel_pending_enqueues=True, timeout=TIMEOUT)
    thread.join(timeout=TIMEOUT)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], errors.CancelledError)
    assert q.dequeue(timeout=TIMEOUT) == 1
