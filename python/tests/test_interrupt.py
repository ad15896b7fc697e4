"""Ctrl-C: a call that waits without a timeout gives up at SIGINT with
KeyboardInterrupt, and the task forgets the request (no element is taken by
it later)."""

import signal
import subprocess
import sys
import textwrap

import troupe
from conftest import wait_until, waiting_dequeues

TIMEOUT = 20.0

CHILD = textwrap.dedent("""
    import sys, time
    import troupe
    session = troupe.Session(sys.argv[1])
    q = troupe.FIFOQueue(session, 2, [troupe.int32], [[]],
                         shared_name=sys.argv[2])
    q.size()
    print("ready", flush=True)
    try:
        q.dequeue()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    # The task withdrew the interrupted dequeue: the element stays.
    deadline = time.monotonic() + 10
    while any(r["name"] == sys.argv[2] and r["waiting_dequeues"]
              for r in session.list() if r["kind"] == "FIFOQueue"):
        assert time.monotonic() < deadline
    q.enqueue(7, timeout=10)
    print("dequeued", int(q.dequeue(timeout=10)), flush=True)
""")


def test_ctrl_c_interrupts_a_waiting_dequeue(task, session, name):
    child = subprocess.Popen([sys.executable, "-c", CHILD, task.target, name],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        assert wait_until(lambda: waiting_dequeues(session, name) == 1)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert out == "interrupted\ndequeued 7\n"
