"""Fixtures of the Python client's tests: a real `troupe task` (the binary
named by $TROUPE_BIN) on a free loopback port, waited for by its "serving on"
line, never by a fixed sleep; every wait is bounded."""

import json
import os
import select
import socket
import subprocess
import threading
import time

import pytest

import troupe

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Task:
    """`troupe task --job ps --task 0` of a one-task cluster, with
    `extra_args` after the usual flags."""

    def __init__(self, directory, extra_args=()):
        self.directory = directory
        self.extra_args = list(extra_args)
        self.process = None
        self.port = None
        self.log = []

    def start(self):
        """Starts the task on a free port, trying other ports if one was
        taken in between; True once it serves."""
        for _ in range(3):
            self.port = free_port()
            spec = directory_file(self.directory, "cluster.json")
            with open(spec, "w") as out:
                json.dump({"cluster": {"ps": [f"127.0.0.1:{self.port}"]}}, out)
            self.process = subprocess.Popen(
                [os.environ["TROUPE_BIN"], "task", "--cluster", spec,
                 "--job", "ps", "--task", "0",
                 "--data-dir", str(self.directory), *self.extra_args],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if self._wait_serving():
                threading.Thread(target=self._drain, daemon=True).start()
                return True
            self.stop()
        return False

    def _wait_serving(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        pending = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [],
                                        deadline - time.monotonic())
            if not ready:
                break
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            lines = [line.decode(errors="replace") for line in lines]
            self.log.extend(lines)
            if any("serving on" in line for line in lines):
                return True
        return False

    def _drain(self):
        for line in self.process.stdout:
            self.log.append(line.decode(errors="replace").rstrip("\n"))

    @property
    def target(self):
        return f"127.0.0.1:{self.port}"

    def kill(self):
        """kill -9, and waits for the process to end."""
        self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None


def directory_file(directory, name):
    return os.path.join(str(directory), name)


@pytest.fixture(scope="session")
def task(tmp_path_factory):
    serving = Task(tmp_path_factory.mktemp("task"))
    assert serving.start(), "the task did not start:\n" + "\n".join(serving.log)
    yield serving
    serving.stop()


@pytest.fixture
def start_task(tmp_path):
    """Starts a task of the test's own (`start_task(extra_args)`), with its
    data directory in the test's tmp_path; stops it after the test."""
    started = []

    def start(extra_args=()):
        serving = Task(tmp_path, extra_args)
        started.append(serving)
        assert serving.start(), \
            "the task did not start:\n" + "\n".join(serving.log)
        return serving

    yield start
    for serving in started:
        serving.stop()


@pytest.fixture
def session(task):
    return troupe.Session(task.target)


@pytest.fixture
def name(request):
    """A shared name of the test's own."""
    return request.node.name


def wait_until(condition, timeout=15.0):
    """Asks `condition` again and again (each time a round trip to the task)
    until it holds; False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
    return False


def queue_info(session, name, container=""):
    """What session.list() says about queue `name`, or {}."""
    for resource in session.list():
        if (resource["name"], resource["container"]) == (name, container) and \
                resource["kind"] != "Variable":
            return resource
    return {}


def waiting_dequeues(session, name, container=""):
    return queue_info(session, name, container).get("waiting_dequeues", 0)


def waiting_enqueues(session, name, container=""):
    return queue_info(session, name, container).get("waiting_enqueues", 0)
