"""Durable queues from Python (`durability=`): a queue's answered content
survives a kill -9 of its task and a restart with the same --data-dir."""

import pytest

import troupe
from troupe import errors
from conftest import queue_info

TIMEOUT = 10.0


def test_a_durable_queue_survives_kill_9(start_task, name):
    task = start_task()
    session = troupe.Session(task.target)
    q = troupe.FIFOQueue(session, 10, [troupe.int64, troupe.string], [[], []],
                         shared_name=name, durability="always")
    for i in range(3):
        q.enqueue([i, f"job {i}"], timeout=TIMEOUT)
    assert q.dequeue(timeout=TIMEOUT)[0] == 0
    q.close(timeout=TIMEOUT)
    task.kill()

    assert task.start(), "the task did not restart:\n" + "\n".join(task.log)
    session = troupe.Session(task.target)
    assert queue_info(session, name)["durability"] == "always"
    # Without durability= the durable queue is opened as it is.
    q = troupe.FIFOQueue(session, 10, [troupe.int64, troupe.string], [[], []],
                         shared_name=name)
    assert q.size() == 2 and q.is_closed()
    keys, values = q.dequeue_up_to(5, timeout=TIMEOUT)
    assert keys.tolist() == [1, 2]
    assert values.tolist() == [b"job 1", b"job 2"]


def test_durability_must_match_and_exist(session, name):
    q = troupe.RandomShuffleQueue(session, 4, 0, [troupe.int32],
                                  shared_name=name, container=name,
                                  durability="everysec")
    assert q.size() == 0
    assert queue_info(session, name, name)["durability"] == "everysec"
    with pytest.raises(errors.InvalidArgumentError, match="durability"):
        troupe.RandomShuffleQueue(session, 4, 0, [troupe.int32],
                                  shared_name=name, container=name,
                                  durability="no").size()
    with pytest.raises(ValueError, match="appendfsync"):
        troupe.FIFOQueue(session, 4, [troupe.int32], shared_name=name,
                         durability="sometimes")
    session.reset([name])
