#!/usr/bin/env python3
"""Feeds a PulseAudio pipe-source FIFO like a microphone: silence, and on the command
`play PATH` (a line on standard input) the raw s16le 16 kHz mono samples in PATH, then silence
again, written in real time (20 ms every 20 ms: the pipe source takes whatever arrives, as
fast as it arrives). The pipe is shrunk to one page so what is written is heard at once.
Prints `played PATH` on standard output when a clip has been written. Ends at end of input."""
import fcntl
import os
import sys
import threading
import time

F_SETPIPE_SZ = 1031
CHUNK = 640  # 20 ms of 16 kHz s16le mono

fifo_path = sys.argv[1]
queue = bytearray()
pending_reports = []
lock = threading.Lock()
done = threading.Event()


def read_commands():
    for line in sys.stdin:
        command, _, path = line.strip().partition(" ")
        if command == "play":
            with open(path, "rb") as f:
                data = f.read()
            with lock:
                queue.extend(data)
                pending_reports.append((len(queue), path))
    done.set()


fd = os.open(fifo_path, os.O_WRONLY)
try:
    fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
except OSError:
    pass
threading.Thread(target=read_commands, daemon=True).start()
silence = bytes(CHUNK)
next_write = time.monotonic()
while not done.is_set():
    next_write += CHUNK / 32000
    delay = next_write - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    else:
        next_write = time.monotonic()   # fell behind (a busy machine): do not burst to catch up
    with lock:
        if queue:
            chunk = bytes(queue[:CHUNK])
            del queue[:CHUNK]
            pending_reports[:] = [(left - len(chunk), path) for left, path in pending_reports]
            finished = [path for left, path in pending_reports if left <= 0]
            pending_reports[:] = [(left, path) for left, path in pending_reports if left > 0]
        else:
            chunk, finished = silence, []
    try:
        os.write(fd, chunk)
    except BrokenPipeError:
        break
    for path in finished:
        print("played", path, flush=True)
os.close(fd)
