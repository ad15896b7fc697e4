"""troupe.decode_csv: TensorFlow's decode_csv on numpy arrays of records."""

import numpy as np
import pytest

import troupe


def test_columns_take_the_dtypes_and_defaults_given():
    floats, ints, strings = troupe.decode_csv(
        [b"1.5,2,a", b",,", "3,4,\"b,c\""], [[0.5], [7], ["z"]])
    assert floats.dtype == np.float32 and floats.tolist() == [1.5, 0.5, 3.0]
    assert ints.dtype == np.int32 and ints.tolist() == [2, 7, 4]
    assert strings.tolist() == [b"a", b"z", b"b,c"]


def test_the_books_cell_19():
    columns = troupe.decode_csv(b"1.,,44", [[5.], [6], [7]])
    assert [column.tolist() for column in columns] == [1.0, 6, 44]
    assert all(column.shape == () for column in columns)


def test_numpy_defaults_keep_their_dtype_and_options_apply():
    (wide,) = troupe.decode_csv(np.array([[b"x|9"], [b"y|NA"]]),
                                [np.array([-1], dtype=np.int64)],
                                field_delim="|", na_value="NA",
                                select_cols=[1])
    assert wide.dtype == np.int64 and wide.shape == (2, 1)
    assert wide.tolist() == [[9], [-1]]


def test_errors_are_invalid_argument_in_tensorflows_words():
    with pytest.raises(troupe.errors.InvalidArgumentError,
                       match="Field 0 is required but missing in record 0!"):
        troupe.decode_csv([b",1"], [[], [1]])
    with pytest.raises(troupe.errors.InvalidArgumentError,
                       match="Expect 2 fields but have 1 in record 0"):
        troupe.decode_csv([b"1"], [[1], [1]])
    with pytest.raises(troupe.errors.InvalidArgumentError,
                       match="field_delim should be only 1 char"):
        troupe.decode_csv([b"1"], [[1]], field_delim="||")
