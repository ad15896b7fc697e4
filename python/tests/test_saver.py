"""troupe.train: Saver and latest_checkpoint over the C++ Saver, with
checkpoints under the task's data directory."""

import numpy as np
import pytest

import troupe
from troupe import errors

TIMEOUT = 10.0


def test_save_and_restore_variables(session, name):
    v = troupe.Variable(session, troupe.float32, [2], shared_name=name,
                        container=name)
    v.assign([1.0, 2.0])
    saver = troupe.train.Saver(session, containers=[name])
    prefix = saver.save(f"{name}/model", global_step=100, timeout=TIMEOUT)
    assert prefix == f"{name}/model-100"
    v.assign([5.0, 6.0])
    assert saver.restore(prefix, timeout=TIMEOUT) == 1
    assert v.read_value().tolist() == [1.0, 2.0]
    assert troupe.train.latest_checkpoint(session, name) == prefix
    [info] = saver.checkpoints(name)
    assert (info["prefix"], info["tensors"], info["latest"]) == \
        (prefix, 1, True)
    assert info["devices"] == ["/job:ps/task:0"]
    assert info["bytes"] > 0 and info["time"] > 0


def test_queues_are_saved_when_asked(session, name):
    q = troupe.FIFOQueue(session, 4, [troupe.int32], [[]], shared_name=name,
                         container=name)
    q.enqueue_many(np.array([7, 8], np.int32), timeout=TIMEOUT)
    saver = troupe.train.Saver(session, containers=[name], include_queues=True)
    prefix = saver.save(f"{name}/q")
    assert q.dequeue(timeout=TIMEOUT) == 7
    saver.restore(prefix)
    assert q.dequeue_many(2, timeout=TIMEOUT).tolist() == [7, 8]


def test_max_to_keep_and_latest(session, name):
    v = troupe.Variable(session, troupe.int32, [], shared_name=name,
                        container=name)
    v.assign(1)
    saver = troupe.train.Saver(session, containers=[name], max_to_keep=2)
    for step in range(3):
        saver.save(f"{name}/m", global_step=step)
    assert [c["prefix"] for c in saver.checkpoints(name)] == \
        [f"{name}/m-2", f"{name}/m-1"]
    assert saver.latest_checkpoint(name) == f"{name}/m-2"


def test_no_checkpoint_is_none_and_errors_are_troupes(session, name):
    assert troupe.train.latest_checkpoint(session, f"{name}/empty") is None
    saver = troupe.train.Saver(session, containers=[name])
    with pytest.raises(errors.PermissionDeniedError):
        saver.save("../outside")
    with pytest.raises(errors.NotFoundError):
        saver.restore(f"{name}/missing")
    with pytest.raises(ValueError):
        troupe.train.Saver(session, max_to_keep=-1)
