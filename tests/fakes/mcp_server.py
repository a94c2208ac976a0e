#!/usr/bin/env python3
"""A small stdio MCP server for the probe's edge cases (the reference servers cover the normal path).

    mcp_server.py [--mode MODE] [--tools a,b,c] [--page-size N] [--delay SECONDS]
                  [--stderr TEXT] [--stderr-env NAME] [--pid-file PATH]
                  [--ignore-eof] [--ignore-term] [--grandchild]

Modes:
  ok         answers initialize, tools/list (paged with --page-size), ping; exits at stdin EOF
  hang       reads requests and never answers
  garbage    answers every request with a line that is not JSON
  exit       writes --stderr (or a default line) to stderr and exits 3 before reading anything
  slow       sleeps --delay seconds before every answer
  error      answers initialize with a JSON-RPC error
  old        answers initialize with a protocol version nobody speaks
  ping-first sends the client a ping request (and a log notification) before answering initialize,
             and waits for the client's answer to the ping
Flags:
  --stderr-env NAME  writes the value of env var NAME to stderr at start (to test redaction)
  --pid-file PATH    writes "<pid>\\n" (and the grandchild's pid) to PATH
  --ignore-eof       keeps running after stdin closes
  --ignore-term      ignores SIGTERM (only SIGKILL stops it)
  --grandchild       starts a long-lived child that also ignores SIGTERM, in the same process group
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--tools", default="alpha,beta")
    parser.add_argument("--page-size", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--stderr", default="")
    parser.add_argument("--stderr-env", default="")
    parser.add_argument("--pid-file", default="")
    parser.add_argument("--ignore-eof", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--grandchild", action="store_true")
    options = parser.parse_args()

    if options.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pids = [os.getpid()]
    if options.grandchild:
        child = subprocess.Popen(
            [sys.executable, "-c", "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                   "time.sleep(3600)"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pids.append(child.pid)
    if options.pid_file:
        with open(options.pid_file, "w") as handle:
            handle.write("".join(f"{pid}\n" for pid in pids))
    if options.stderr:
        sys.stderr.write(options.stderr + "\n")
        sys.stderr.flush()
    if options.stderr_env:
        sys.stderr.write(f"starting with {options.stderr_env}={os.environ.get(options.stderr_env, '')}\n")
        sys.stderr.flush()
    if options.mode == "exit":
        sys.stderr.write((options.stderr or "fatal: cannot open the database") + "\n")
        return 3

    tools = [name for name in options.tools.split(",") if name]
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if "id" not in message or "method" not in message:
            continue
        if options.mode == "hang":
            continue
        if options.mode == "garbage":
            sys.stdout.write("Listening on stdio... ready!\n")
            sys.stdout.flush()
            continue
        if options.mode == "slow":
            time.sleep(options.delay)
        method, request_id = message["method"], message["id"]
        if method == "initialize":
            if options.mode == "error":
                send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32603, "message": "license expired"}})
                continue
            if options.mode == "ping-first":
                send({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "hi"}})
                send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
                answer = json.loads(sys.stdin.readline())
                if answer.get("id") != "srv-1" or answer.get("result") != {}:
                    sys.stderr.write(f"bad ping answer: {answer}\n")
                    return 4
            version = "1999-01-01" if options.mode == "old" else message["params"]["protocolVersion"]
            send({"jsonrpc": "2.0", "id": request_id, "result": {
                "protocolVersion": version, "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake-mcp", "version": "9.9.9"}}})
        elif method == "tools/list":
            start = int(message.get("params", {}).get("cursor") or 0)
            size = options.page_size or len(tools) or 1
            page = tools[start:start + size]
            result: dict = {"tools": [{"name": name, "inputSchema": {"type": "object"}} for name in page]}
            if start + size < len(tools):
                result["nextCursor"] = str(start + size)
            send({"jsonrpc": "2.0", "id": request_id, "result": result})
        elif method == "ping":
            send({"jsonrpc": "2.0", "id": request_id, "result": {}})
        else:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "Method not found"}})
    while options.ignore_eof:
        time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
