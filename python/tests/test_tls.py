"""troupe.Session's mutual TLS (tls_certificate, tls_key, tls_ca) against a
task started with the --tls-* flags; certificates made with openssl."""

import subprocess

import pytest

import troupe
from troupe import errors

TIMEOUT = 10.0


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True,
                   timeout=60)


@pytest.fixture
def certificates(tmp_path):
    """A CA in tmp_path and "node" and "client" certificates it signed."""
    def path(file):
        return str(tmp_path / file)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj",
            "/CN=ca")
    for name in ("node", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                path(name + ".key"), "-out", path(name + ".csr"), "-subj",
                "/CN=" + name)
        openssl("x509", "-req", "-in", path(name + ".csr"), "-CA",
                path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
                "-out", path(name + ".pem"), "-days", "2")
    return path


def test_a_session_with_the_files_speaks_tls(start_task, certificates,
                                             name):
    task = start_task(["--tls-certificate", certificates("node.pem"),
                       "--tls-key", certificates("node.key"),
                       "--tls-ca", certificates("ca.pem")])
    assert any("(mutual TLS)" in line for line in task.log)
    session = troupe.Session(task.target,
                             tls_certificate=certificates("client.pem"),
                             tls_key=certificates("client.key"),
                             tls_ca=certificates("ca.pem"))
    q = troupe.FIFOQueue(session, 2, [troupe.int32], [[]], shared_name=name)
    q.enqueue(5, timeout=TIMEOUT)
    assert q.dequeue(timeout=TIMEOUT) == 5

    plaintext = troupe.Session(task.target)
    with pytest.raises(errors.UnavailableError) as error:
        plaintext.list()
    assert "the task speaks TLS only" in error.value.message


def test_tls_files_are_checked(certificates):
    with pytest.raises(ValueError, match="all of tls_certificate"):
        troupe.Session("127.0.0.1:1", tls_certificate=certificates("node.pem"))
    with pytest.raises(errors.InvalidArgumentError):
        troupe.Session("127.0.0.1:1",
                       tls_certificate=certificates("client.pem"),
                       tls_key=certificates("missing.key"),
                       tls_ca=certificates("ca.pem"))
