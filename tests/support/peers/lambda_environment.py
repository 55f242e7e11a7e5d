#!/usr/bin/env python3
"""One Lambda execution environment of the real `switchboard` binary, driven one
invocation at a time and frozen between them as Lambda freezes it: the process is
stopped (SIGSTOP) while it waits in /runtime/invocation/next and continued
(SIGCONT) when the next event is handed to it, so nothing it runs in the
background between invocations can make a test pass.

    lambda_environment.py --binary PATH [--timeout-ms 15000]

Commands on stdin, one JSON object per line; answers on stdout, one per line:
  {"invoke": EVENT}  -> {"status": "response"|"error"|"timeout", "body": ..., "latency_ms": ...}
  {"stop": true}     -> the process is killed; {"stopped": true, "exit_code": ...}
The first line out is {"ready": true} once the init is over (the first /next), or
{"init_error": ...}. The binary's own output goes to stderr.
"""
import argparse
import http.server
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid

# runtime_api.py sits beside this script: the same Runtime API, one event at a time
# (imported without leaving a byte-code cache among the peers).
sys.dont_write_bytecode = True
from runtime_api import RuntimeHandler, invocation_headers, lambda_environment


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--timeout-ms", type=int, default=15000)
    args = parser.parse_args()

    events = queue.Queue()
    answers = queue.Queue()
    child = {}
    pending = {}

    def freeze(stop):
        process = child.get("process")
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGSTOP if stop else signal.SIGCONT)

    class Handler(RuntimeHandler):
        def do_GET(self):
            if not self.path.endswith("/runtime/invocation/next"):
                return self.reply(404)
            if not child.get("ready"):
                child["ready"] = True
                answers.put({"ready": True})
            # Waiting for an event: frozen, as Lambda freezes an idle environment.
            freeze(True)
            event = events.get()
            freeze(False)
            if event is None:
                return
            request_id = str(uuid.uuid4())
            pending[request_id] = time.monotonic()
            self.reply(200, json.dumps(event).encode(), invocation_headers(request_id, args.timeout_ms))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            parts = self.path.strip("/").split("/")
            if self.path.endswith("/init/error"):
                self.reply(202)
                answers.put({"init_error": body})
                return
            if len(parts) >= 5 and parts[-1] in ("response", "error"):
                started = pending.pop(parts[-2], None)
                self.reply(202)
                answers.put({"status": parts[-1], "body": body,
                             "latency_ms": (time.monotonic() - started) * 1000 if started else None})
                return
            self.reply(404)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = lambda_environment(server.server_address[1])
    process = subprocess.Popen([args.binary], env=env, stdout=sys.stderr, stderr=sys.stderr)
    child["process"] = process

    def answer(timeout):
        try:
            return answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def say(value):
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    first = answer(60)
    say(first if first is not None else {"init_error": "no /next within 60 s"})
    for line in sys.stdin:
        command = json.loads(line)
        if "invoke" in command:
            events.put(command["invoke"])
            result = answer(args.timeout_ms / 1000 + 5)
            say(result if result is not None else {"status": "timeout", "body": None})
        elif command.get("stop"):
            break
    freeze(False)
    process.kill()
    say({"stopped": True, "exit_code": process.wait()})
    events.put(None)
    server.shutdown()


if __name__ == "__main__":
    main()
