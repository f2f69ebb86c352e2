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
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

REQUEST = b"# qemu-qmp "
END = b"# atstest: done"
# After its end marker the guest powers off; one whose poweroff hangs (on a
# device whose unbind never ends) is stopped after this many seconds.
END_GRACE = 20


def die_with_parent():
    """QEMU gets SIGTERM when this host process dies (killed, say)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)       # PR_SET_PDEATHSIG


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
        # The console (stdout) and QEMU's trace (stderr) come through two
        # pipes and go into the log a whole line at a time, so that a trace
        # line never lands inside a console line (a window marker, say).
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                preexec_fn=die_with_parent)
        streams = {proc.stdout.fileno(): b"", proc.stderr.fileno(): b""}
        console = proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        timed_out = False
        ended = [None]

        def take(fd, wait):
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return False
            data = os.read(fd, 65536)
            if not data:
                del streams[fd]
                return True
            buf = streams[fd] + data
            lines, _, streams[fd] = buf.rpartition(b"\n")
            if lines:
                log.write(lines + b"\n")
                log.flush()
                if fd == console:
                    for line in lines.split(b"\n"):
                        at = line.find(REQUEST)
                        if at >= 0:
                            serve(qmp, line[at + len(REQUEST):].rstrip(b"\r"),
                                  log, proc)
                        if line.rstrip(b"\r") == END:
                            ended[0] = time.monotonic()
            return True

        while streams:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select(list(streams), [], [], min(left, 1))
            if not ready and proc.poll() is not None:
                break
            for fd in ready:
                take(fd, 0)
            if ended[0] and time.monotonic() - ended[0] > END_GRACE and \
                    proc.poll() is None:
                log.write(b"# host: the guest did not power off within %d s "
                          b"of its end marker: stopped\n" % END_GRACE)
                proc.terminate()
                break
        if timed_out:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        rc = proc.wait()
        # What QEMU still wrote after the guest's last line (not waiting on
        # a child of it that kept a pipe open)
        for fd in list(streams):
            while fd in streams and take(fd, 1):
                pass
        for rest in streams.values():
            log.write(rest)
    try:
        os.unlink(qmp_path)
    except OSError:
        pass
    os.rmdir(sockdir)
    sys.exit(124 if timed_out else rc)


ANSWERED = {}


def serve(qmp, request, log, proc):
    """Runs a request once per TAG; a repetition gets the same answer."""
    tag, _, text = request.decode(errors="replace").partition(" ")
    if tag in ANSWERED:
        status = ANSWERED[tag]
        log.write(("# host: qmp %s repeated, answered again: %s\n" %
                   (tag, status)).encode())
    else:
        try:
            msg = json.loads(text)
            answer = qmp.command(msg)
            status = "ok" if "return" in answer else \
                "error: " + answer.get("error", {}).get("desc", "?")
            shown = json.dumps(answer)
        except (ValueError, OSError) as e:
            status, shown = "error: %s" % e, "(no answer)"
        ANSWERED[tag] = status
        log.write(("# host: qmp %s %s -> %s\n" % (tag, text, shown)).encode())
    log.flush()
    try:
        proc.stdin.write(("qmp-ack %s %s\n" % (tag, status)).encode())
        proc.stdin.flush()
    except OSError:
        pass


if __name__ == "__main__":
    main()
