"""What a durable queue's log pays per synced write, by how its file grows
(BENCHMARKS.md, scenario 9, sixth run): write + fdatasync of one record at a
time, appended (as Redis's AOF does), into space allocated ahead with
posix_fallocate (as Troupe's `everysec` and `no` logs are), into space
written with zeros first (as its `always` logs are), and into space
allocated with FALLOC_FL_KEEP_SIZE. Each variant
writes its own file in DIR, which should be on the disk under test.

    /usr/bin/python3 bench/fsync_variants.py DIR [--record-bytes B] [--records N]
"""

import argparse
import ctypes
import os
import time

FALLOC_FL_KEEP_SIZE = 1


def measure(path, record, records, prepare, write):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        prepare(fd)
        os.fsync(fd)
        start = time.perf_counter()
        for i in range(records):
            write(fd, i)
            os.fdatasync(fd)
        return (time.perf_counter() - start) / records
    finally:
        os.close(fd)
        os.unlink(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--record-bytes", type=int, default=40)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    record = b"x" * args.record_bytes
    space = args.records * len(record) + 4096
    libc = ctypes.CDLL("libc.so.6", use_errno=True)

    def keep_size(fd):
        if libc.fallocate(fd, FALLOC_FL_KEEP_SIZE, ctypes.c_long(0),
                          ctypes.c_long(space)) != 0:
            raise OSError(ctypes.get_errno(), "fallocate")

    def at(fd, i):
        os.pwrite(fd, record, i * len(record))

    variants = [
        ("appended", lambda fd: None, lambda fd, i: os.write(fd, record)),
        ("posix_fallocate", lambda fd: os.posix_fallocate(fd, 0, space), at),
        ("zeros written first", lambda fd: os.write(fd, b"\0" * space), at),
        ("FALLOC_FL_KEEP_SIZE", keep_size, at),
    ]
    for name, prepare, write in variants:
        path = os.path.join(args.dir, "fsync-variants.tmp")
        seconds = measure(path, record, args.records, prepare, write)
        print(f"{name}: {seconds * 1e6:.0f} us per write + fdatasync "
              f"of {len(record)} bytes")


if __name__ == "__main__":
    main()
