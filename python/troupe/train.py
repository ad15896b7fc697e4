"""Checkpoints in TensorFlow's terms (tf.train): a Saver over a session, and
latest_checkpoint. Every path is relative to each task's data directory
(`troupe task --data-dir`), where the files live.

    saver = troupe.train.Saver(session, include_queues=True, max_to_keep=5)
    prefix = saver.save("ckpt/model", global_step=100)   # "ckpt/model-100"
    saver.restore(troupe.train.latest_checkpoint(session, "ckpt"))
"""

from troupe._troupe import Saver


def latest_checkpoint(session, checkpoint_dir, timeout=None):
    """The prefix of the newest checkpoint of `checkpoint_dir` on the
    session's target, or None when it has none (tf.train.latest_checkpoint,
    with the session that reaches the task holding the files)."""
    return Saver(session).latest_checkpoint(checkpoint_dir, timeout=timeout)


__all__ = ["Saver", "latest_checkpoint"]
