"""Readers from Python: files under the task's --data-dir read through a
filename queue, their counters and state, and the errors of missing files."""

import numpy as np
import pytest

import troupe

TIMEOUT = 10.0
CSV = "x1,x2,target\n1.,2.,0\n4.,5.,1\n7.,8.,0\n"


def filename_queue(session, name, *filenames):
    files = troupe.FIFOQueue(session, capacity=10, dtypes=[troupe.string],
                             shapes=[[]], shared_name=name + "_files")
    for filename in filenames:
        files.enqueue(filename, timeout=TIMEOUT)
    files.close(timeout=TIMEOUT)
    return files


def test_text_line_reader_reads_a_csv_under_the_data_dir(task, session, name):
    (task.directory / f"{name}.csv").write_text(CSV)
    files = filename_queue(session, name, f"{name}.csv")
    reader = troupe.TextLineReader(session, skip_header_lines=1,
                                   shared_name=name)
    records = [reader.read(files, timeout=TIMEOUT) for _ in range(3)]
    assert [value for _, value in records] == [b"1.,2.,0", b"4.,5.,1",
                                               b"7.,8.,0"]
    assert all(key.startswith(f"{name}.csv:".encode()) for key, _ in records)
    with pytest.raises(troupe.errors.OutOfRangeError):
        reader.read(files, timeout=TIMEOUT)
    assert reader.num_records_produced() == 3
    assert reader.num_work_units_completed() == 1
    assert reader.name == name


def test_read_up_to_gives_arrays_of_one_work_unit(task, session, name):
    (task.directory / f"{name}.csv").write_text(CSV)
    files = filename_queue(session, name, f"{name}.csv")
    reader = troupe.TextLineReader(session, 1, shared_name=name)
    keys, values = reader.read_up_to(files, 2, timeout=TIMEOUT)
    assert keys.dtype == object and keys.shape == (2,)
    assert values.tolist() == [b"1.,2.,0", b"4.,5.,1"]
    state = reader.serialize_state()
    assert reader.read(files, timeout=TIMEOUT)[1] == b"7.,8.,0"
    reader.restore_state(state)
    assert reader.read(files, timeout=TIMEOUT)[1] == b"7.,8.,0"
    reader.reset()
    assert reader.num_records_produced() == 0


def test_a_missing_file_is_not_found_naming_its_path(session, name):
    files = filename_queue(session, name, "no/such.csv")
    reader = troupe.TextLineReader(session, shared_name=name)
    with pytest.raises(troupe.errors.NotFoundError, match="no/such.csv"):
        reader.read(files, timeout=TIMEOUT)
    with pytest.raises(troupe.errors.OutOfRangeError):
        reader.read(files, timeout=TIMEOUT)


def test_a_read_on_an_empty_open_queue_times_out(session, name):
    files = troupe.FIFOQueue(session, 10, [troupe.string], [[]],
                             shared_name=name + "_files")
    files.size()  # made on the task before the reader looks for it
    reader = troupe.WholeFileReader(session, shared_name=name)
    with pytest.raises(troupe.errors.DeadlineExceededError):
        reader.read(files, timeout=0.05)
    assert reader.num_records_produced() == 0


def test_whole_file_identity_and_fixed_length_readers(task, session, name):
    (task.directory / f"{name}.bin").write_bytes(bytes(range(8)))
    whole = troupe.WholeFileReader(session, shared_name=name + "_whole")
    key, value = whole.read(filename_queue(session, name + "_w",
                                           f"{name}.bin"), timeout=TIMEOUT)
    assert (key, value) == (f"{name}.bin".encode(), bytes(range(8)))
    identity = troupe.IdentityReader(session, shared_name=name + "_identity")
    assert identity.read(filename_queue(session, name + "_i", "unit"),
                         timeout=TIMEOUT) == (b"unit", b"unit")
    fixed = troupe.FixedLengthRecordReader(session, record_bytes=3,
                                           header_bytes=1,
                                           shared_name=name + "_fixed")
    keys, values = fixed.read_up_to(
        filename_queue(session, name + "_f", f"{name}.bin"), 5,
        timeout=TIMEOUT)
    assert values.tolist() == [bytes([1, 2, 3]), bytes([4, 5, 6])]
    assert isinstance(keys, np.ndarray)


def test_invalid_reader_options_are_invalid_argument(session, name):
    reader = troupe.FixedLengthRecordReader(session, record_bytes=0,
                                            shared_name=name)
    with pytest.raises(troupe.errors.InvalidArgumentError):
        reader.num_records_produced()
