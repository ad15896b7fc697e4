"""The exceptions of Troupe's Python client, as TensorFlow's tf.errors names
them: one subclass of OpError per canonical error code (absl::StatusCode),
carrying the status message unchanged."""

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """A failed call. `message` is the task's text, `error_code` its code;
    `node_def` and `op` are None (Troupe has no graph), kept for code written
    against TensorFlow."""

    def __init__(self, node_def, op, message, error_code):
        super().__init__(message)
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code

    @property
    def message(self):
        return self._message

    @property
    def error_code(self):
        return self._error_code

    @property
    def op(self):
        return self._op

    @property
    def node_def(self):
        return self._node_def

    def __str__(self):
        return self._message


def _op_error(name, code, doc):
    def __init__(self, node_def, op, message):
        OpError.__init__(self, node_def, op, message, code)

    return type(name, (OpError,),
                {"__init__": __init__, "__doc__": doc, "code": code})


CancelledError = _op_error("CancelledError", CANCELLED,
                           "The call was cancelled (its resource was reset).")
UnknownError = _op_error("UnknownError", UNKNOWN, "An unknown error.")
InvalidArgumentError = _op_error("InvalidArgumentError", INVALID_ARGUMENT,
                                 "An argument was not valid.")
DeadlineExceededError = _op_error("DeadlineExceededError", DEADLINE_EXCEEDED,
                                  "The timeout passed first.")
NotFoundError = _op_error("NotFoundError", NOT_FOUND,
                          "The resource or device does not exist.")
AlreadyExistsError = _op_error("AlreadyExistsError", ALREADY_EXISTS,
                               "The resource exists already.")
PermissionDeniedError = _op_error("PermissionDeniedError", PERMISSION_DENIED,
                                  "The caller may not do this.")
ResourceExhaustedError = _op_error("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                   "A limit was reached.")
FailedPreconditionError = _op_error("FailedPreconditionError",
                                    FAILED_PRECONDITION,
                                    "The resource is not in the state the "
                                    "call needs (an uninitialized variable).")
AbortedError = _op_error("AbortedError", ABORTED,
                         "The call was aborted (its task restarted).")
OutOfRangeError = _op_error("OutOfRangeError", OUT_OF_RANGE,
                            "The queue is closed and has too few elements.")
UnimplementedError = _op_error("UnimplementedError", UNIMPLEMENTED,
                               "Not supported.")
InternalError = _op_error("InternalError", INTERNAL, "An internal error.")
UnavailableError = _op_error("UnavailableError", UNAVAILABLE,
                             "The task cannot be reached.")
DataLossError = _op_error("DataLossError", DATA_LOSS,
                          "Data was lost or corrupted.")
UnauthenticatedError = _op_error("UnauthenticatedError", UNAUTHENTICATED,
                                 "The caller is not authenticated.")

_CODE_TO_EXCEPTION = {cls.code: cls for cls in OpError.__subclasses__()}


def exception_type_from_error_code(error_code):
    """The class for `error_code`; UnknownError for a code outside the list."""
    return _CODE_TO_EXCEPTION.get(error_code, UnknownError)


def error_code_from_exception_type(cls):
    return cls.code
