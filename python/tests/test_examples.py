"""The examples of examples/python, run as programs against the test's task:
the book's loader and trainer (the trainer waits first, the loader feeds and
closes), and its queue runners of cells 23 and 24."""

import ast
import os
import subprocess
import sys

import troupe
from conftest import wait_until, waiting_dequeues

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")
TIMEOUT = 60.0


def run_example(script, *args):
    return subprocess.Popen(
        [sys.executable, os.path.join(EXAMPLES, script), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_loader_and_trainer(task):
    trainer = run_example("trainer.py", task.target, "2")
    try:
        session = troupe.Session(task.target)
        assert wait_until(lambda: waiting_dequeues(session, "shared_q") == 1,
                          timeout=TIMEOUT)
        loader = run_example("training_data_loader.py", task.target, "7")
        loader_output, _ = loader.communicate(timeout=TIMEOUT)
        trainer_output, _ = trainer.communicate(timeout=TIMEOUT)
    finally:
        trainer.kill()
    assert loader.returncode == 0, loader_output
    assert "loader: closed shared_q after 7 instances" in loader_output
    assert trainer.returncode == 0, trainer_output
    assert "trainer: dequeue_many -> [[1.0, 2.0], [3.0, 4.0]]" in trainer_output
    assert "trainer: dequeue_up_to -> [[13.0, 14.0]]" in trainer_output
    assert trainer_output.endswith("trainer: received 7 instances\n")


MY_TEST_CSV = "x1, x2 , target\n1.,, 0\n4., 5. , 1\n7., 8. , 0\n"


def test_queue_runners_of_cells_23_and_24(task):
    (task.directory / "my_test.csv").write_text(MY_TEST_CSV)
    example = run_example("queue_runners.py", task.target)
    try:
        output, _ = example.communicate(timeout=TIMEOUT)
    finally:
        example.kill()
    assert example.returncode == 0, output
    cells = output.split("== cell 24")
    assert len(cells) == 2, output
    for cell in cells:
        rows = [line for line in cell.splitlines() if line.startswith("[[")]
        instances = sorted(instance for line in rows
                           for instance in zip(*ast.literal_eval(line)))
        assert instances == [([1.0, -1.0], 0), ([4.0, 5.0], 1),
                             ([7.0, 8.0], 0)], output
        assert "No more training instances\ncoordinator: finished" in cell
