#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""console-host.py LOG TIMEOUT QEMU-ARGV...

Runs one guest boot: starts QEMU with its serial console (and stderr, where
QEMU's own trace goes) captured into LOG and a QMP socket of its own, and
serves the guest's requests for the host while it runs.

A scenario asks for a QMP command by writing a line to /dev/console:

    # qemu-qmp TAG {"execute": ..., "arguments": {...}}

The host sends it on the QMP socket, writes what it did and QEMU's answer
into the log ("# host: qmp TAG ... -> ..."), and answers the guest on the
console's input with one line, "qmp-ack TAG ok" or "qmp-ack TAG error: ...",
which the scenario waits for (tests/qemu/guest/lib.sh: qmp).

Exits with QEMU's status, 124 if the guest was still running after TIMEOUT
seconds (as timeout(1) does).
"""
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

REQUEST = b"# qemu-qmp "


class Qmp:
    """A QMP client on QEMU's socket, connected on first use."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""

    def _connect(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.path)
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        s.settimeout(10)
        self.sock = s
        self._reply()           # the greeting
        self._send({"execute": "qmp_capabilities"})
        self._reply()

    def _send(self, msg):
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def _reply(self):
        """The next message that is not an asynchronous event."""
        while True:
            while b"\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise OSError("QMP socket closed")
                self.buf += data
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, msg):
        if self.sock is None:
            self._connect()
        self._send(msg)
        return self._reply()


def main():
    log_path, timeout = sys.argv[1], float(sys.argv[2])
    argv = sys.argv[3:]
    sockdir = tempfile.mkdtemp(prefix="ats-qmp-")
    qmp_path = os.path.join(sockdir, "qmp.sock")
    argv += ["-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    qmp = Qmp(qmp_path)

    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        pending = b""
        timed_out = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([proc.stdout], [], [], min(left, 1))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            log.write(data)
            log.flush()
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                line = line.rstrip(b"\r")
                at = line.find(REQUEST)
                if at >= 0:
                    serve(qmp, line[at + len(REQUEST):], log, proc)
            pending = pending[-4096:]
        if timed_out:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        rc = proc.wait()
        # What QEMU still wrote after the guest's last line (not waiting on
        # a child of it that kept the pipe open)
        while select.select([proc.stdout], [], [], 1)[0]:
            rest = os.read(proc.stdout.fileno(), 65536)
            if not rest:
                break
            log.write(rest)
    try:
        os.unlink(qmp_path)
    except OSError:
        pass
    os.rmdir(sockdir)
    sys.exit(124 if timed_out else rc)


def serve(qmp, request, log, proc):
    tag, _, text = request.decode(errors="replace").partition(" ")
    try:
        msg = json.loads(text)
        answer = qmp.command(msg)
        status = "ok" if "return" in answer else \
            "error: " + answer.get("error", {}).get("desc", "?")
        shown = json.dumps(answer)
    except (ValueError, OSError) as e:
        status, shown = "error: %s" % e, "(no answer)"
    log.write(("\n# host: qmp %s %s -> %s\n" % (tag, text, shown)).encode())
    log.flush()
    try:
        proc.stdin.write(("qmp-ack %s %s\n" % (tag, status)).encode())
        proc.stdin.flush()
    except OSError:
        pass


if __name__ == "__main__":
    main()
