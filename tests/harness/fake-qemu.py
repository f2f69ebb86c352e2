#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for QEMU in the harness self-test: serves QMP on the socket of
its -qmp argument (greeting, capabilities, one accepted and one refused
qom-set), asks for both on its "console" (stdout) as a scenario does, and
prints the host's answers it reads on its console input (stdin)."""
import json
import os
import socket
import sys
import threading

path = sys.argv[sys.argv.index("-qmp") + 1].split(",")[0][len("unix:"):]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)


def serve():
    conn, _ = srv.accept()
    f = conn.makefile("rwb")
    f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
    f.flush()
    for line in f:
        msg = json.loads(line)
        if msg.get("arguments", {}).get("property") == "nonexistent":
            reply = {"error": {"class": "GenericError",
                               "desc": "no such property"}}
        else:
            reply = {"return": {}}
        f.write(b'{"event": "NOISE"}\n' + json.dumps(reply).encode() + b"\n")
        f.flush()


threading.Thread(target=serve, daemon=True).start()
for tag, prop in (("t1", "x-ats-stuck"), ("t2", "nonexistent")):
    req = {"execute": "qom-set", "arguments": {
        "path": "/machine/peripheral/d0", "property": prop, "value": True}}
    print("# qemu-qmp %s %s" % (tag, json.dumps(req)), flush=True)
    print("guest got: " + sys.stdin.readline().strip(), flush=True)
os.unlink(path)
