#!/usr/bin/env python3
"""A minimal AWS Lambda Runtime API, to run the real `switchboard` binary exactly as
Lambda does (AWS_LAMBDA_RUNTIME_API set, events pulled from /invocation/next) on a
machine without Lambda. Used by the end-to-end test and by scripts/bench.

    runtime_api.py --binary PATH --out RESULTS.json EVENT.json [EVENT.json ...]
                   [--repeat N] [--timeout-ms 15000] [--cpu-percent 7.2]

Starts the binary with the current environment plus the Runtime API variables,
serves the events in order (the list `--repeat` times), then stops it and writes
RESULTS.json: per invocation the status ("response", "error", or "timeout" when it
ran past its deadline — Lambda then kills the function, and so does this), the
body, the latency and the wall-clock start and end (epoch seconds); the time from
process start to the first response; the binary's peak RSS (VmHWM, kB) after the
first and after the last invocation; init errors.

`--cpu-percent P` gives the function Lambda's CPU share for its memory size
(P = memory / 1769 MB × 100 % of one vCPU): init runs unthrottled, as on Lambda,
and at the first /next the process moves into a cgroup with a CFS quota of P %
(cgroup v1 `cpu.cfs_quota_us` or v2 `cpu.max`, 100 ms period). Needs root; fails
with the reason when the cgroup cannot be made.
"""
import argparse
import http.server
import json
import socket
import os
import subprocess
import sys
import threading
import time
import uuid


def cpu_ms(pid):
    """CPU time the process has used so far, all threads, from schedstat (ns precision)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
    except OSError:
        return None
    return total / 1e6


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_kb(pid):
    return status_kb(pid, "VmHWM")


class CpuShare:
    """A cgroup that caps a process at `percent` of one CPU (Lambda's share)."""

    PERIOD_US = 100_000

    def __init__(self, percent):
        quota = int(self.PERIOD_US * percent / 100)
        name = f"switchboard-bench-{os.getpid()}"
        v1 = "/sys/fs/cgroup/cpu"
        try:
            if os.path.isdir(v1) and os.access(v1, os.W_OK):
                self.path = os.path.join(v1, name)
                os.makedirs(self.path, exist_ok=True)
                self._write("cpu.cfs_period_us", str(self.PERIOD_US))
                self._write("cpu.cfs_quota_us", str(quota))
            else:
                root = "/sys/fs/cgroup"
                self.path = os.path.join(root, name)
                with open(os.path.join(root, "cgroup.subtree_control"), "w") as f:
                    f.write("+cpu")
                os.makedirs(self.path, exist_ok=True)
                self._write("cpu.max", f"{quota} {self.PERIOD_US}")
        except OSError as e:
            sys.exit(f"cannot give the function a {percent}% CPU share: {e} "
                     "(a cgroup needs root and a writable /sys/fs/cgroup; run without --cpu-percent for unthrottled figures)")

    def _write(self, name, value):
        with open(os.path.join(self.path, name), "w") as f:
            f.write(value)

    def enter(self, pid):
        self._write("cgroup.procs", str(pid))

    def remove(self):
        try:
            os.rmdir(self.path)
        except OSError:
            pass


class RuntimeHandler(http.server.BaseHTTPRequestHandler):
    """The Runtime API's HTTP side: keep-alive, no log lines, whole answers."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *_):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def invocation_headers(request_id, timeout_ms):
    """The headers Lambda sends with an event."""
    return {
        "Lambda-Runtime-Aws-Request-Id": request_id,
        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
        "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:switchboard",
        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
        "Content-Type": "application/json",
    }


def lambda_environment(port):
    """This process's environment plus what Lambda sets for a 128 MB function."""
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "switchboard",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_FORMAT": env.get("AWS_LAMBDA_LOG_FORMAT", "JSON"),
    })
    return env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout-ms", type=int, default=15000)
    parser.add_argument("--cpu-percent", type=float)
    parser.add_argument("events", nargs="+")
    args = parser.parse_args()
    share = CpuShare(args.cpu_percent) if args.cpu_percent else None

    events = []
    for path in args.events:
        with open(path) as f:
            events.append(f.read())
    queue = [events[i % len(events)] for i in range(len(events) * args.repeat)]
    state = {"next": 0, "pending": {}, "results": [], "init_error": None, "first_response": None,
             "rss_after_first": None, "ready": None}
    done = threading.Event()
    lock = threading.Lock()
    child = {}

    class Handler(RuntimeHandler):
        def do_GET(self):
            if not self.path.endswith("/runtime/invocation/next"):
                return self.reply(404)
            with lock:
                index = state["next"]
                state["next"] += 1
                if state["ready"] is None:
                    # Init is over: from here on the function runs at its CPU share.
                    state["ready"] = time.monotonic()
                    state["cpu_at_ready"] = cpu_ms(child["process"].pid)
                    if share:
                        share.enter(child["process"].pid)
            if index >= len(queue):
                done.set()
                time.sleep(3600)  # Lambda would freeze the process here.
                return
            request_id = str(uuid.uuid4())
            with lock:
                state["pending"][request_id] = (index, time.monotonic(), time.time())
            self.reply(200, queue[index].encode(), invocation_headers(request_id, args.timeout_ms))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            parts = self.path.strip("/").split("/")
            if self.path.endswith("/init/error"):
                state["init_error"] = body
                self.reply(202)
                done.set()
                return
            if len(parts) >= 5 and parts[-1] in ("response", "error"):
                request_id = parts[-2]
                with lock:
                    index, started, started_wall = state["pending"].pop(request_id, (None, None, None))
                    now = time.monotonic()
                    if state["first_response"] is None:
                        state["first_response"] = now
                        state["rss_after_first"] = peak_rss_kb(child["process"].pid)
                        state["cpu_after_first"] = cpu_ms(child["process"].pid)
                    state["results"].append({
                        "index": index,
                        "status": parts[-1],
                        "body": body,
                        "latency_ms": (now - started) * 1000 if started else None,
                        "started_at": started_wall,
                        "ended_at": time.time(),
                    })
                self.reply(202)
                return
            self.reply(404)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    env = lambda_environment(port)
    started = time.monotonic()
    spawned_at = time.time()
    process = subprocess.Popen([args.binary], env=env, stdout=sys.stderr, stderr=sys.stderr)
    child["process"] = process
    # Done when every event was answered, the init failed, or the process died.
    deadline = time.monotonic() + 300
    finished = False
    while time.monotonic() < deadline:
        if done.wait(timeout=0.05):
            finished = True
            break
        if process.poll() is not None:
            finished = True
            break
        with lock:
            late = [(rid, p) for rid, p in state["pending"].items()
                    if (time.monotonic() - p[1]) * 1000 > args.timeout_ms]
            for rid, (index, started, started_wall) in late:
                del state["pending"][rid]
                state["results"].append({"index": index, "status": "timeout", "body": None,
                                         "latency_ms": (time.monotonic() - started) * 1000,
                                         "started_at": started_wall, "ended_at": time.time()})
        if late:
            finished = True
            break
    ended = time.monotonic()
    rss_last = peak_rss_kb(process.pid)
    # What the resident memory is made of at the end: the heap and stacks, and
    # the pages of the binary and libraries read in.
    rss_anon, rss_file = status_kb(process.pid, "RssAnon"), status_kb(process.pid, "RssFile")
    threads = status_kb(process.pid, "Threads")
    cpu_last = cpu_ms(process.pid)
    if state["init_error"] is not None:
        # After posting its init error a runtime exits, as Lambda expects: wait for it.
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    exit_code = process.poll()
    process.kill()
    process.wait()
    server.shutdown()
    if share:
        share.remove()
    results = {
        "invocations": sorted(state["results"], key=lambda r: r["index"] if r["index"] is not None else -1),
        "init_error": state["init_error"],
        "exit_code_before_stop": exit_code,
        "timed_out": not finished,
        "cold_start_to_first_response_ms": (state["first_response"] - started) * 1000 if state["first_response"] else None,
        "exec_to_ready_ms": (state["ready"] - started) * 1000 if state["ready"] else None,
        "spawned_at": spawned_at,
        "cpu_percent": args.cpu_percent,
        # CPU (ms, all threads): init; the first invocation; everything after it.
        "cpu_init_ms": state.get("cpu_at_ready"),
        "cpu_first_invocation_ms": (state["cpu_after_first"] - state["cpu_at_ready"])
        if state.get("cpu_after_first") is not None and state.get("cpu_at_ready") is not None else None,
        "cpu_after_first_ms": (cpu_last - state["cpu_after_first"])
        if cpu_last is not None and state.get("cpu_after_first") is not None else None,
        "total_ms": (ended - started) * 1000,
        "peak_rss_kb_after_first": state["rss_after_first"],
        "peak_rss_kb_after_last": rss_last,
        "rss_anon_kb_after_last": rss_anon,
        "rss_file_kb_after_last": rss_file,
        "threads_after_last": threads,
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
