"""Benchmarks of the execution pipeline on this machine, with the fake CLI (not a test).

    .venv/bin/python bench/run.py [--quick]

Starts, in a throw-away ORCHESTRATOR_HOME on SQLite: gunicorn (deploy/gunicorn.conf.py) on a free
loopback port and real `manage.py db_worker` processes, then measures through the HTTP API:

1. dispatch latency: POST /api/agents/{folder}/run/ -> the CLI process started (the fake writes
   its start time first thing), p50/p95; and a worker's idle CPU;
2. orchestration overhead: wall time of a run printing 50 events over 1 s through the API (POST
   until the detail says finished), divided by running the same fake directly; sequential and
   8 at once (8 workers);
3. event latency: the fake's write time of each event -> visible through /events/ (polled every
   10 ms) and through the SSE stream, p95;
4. worker RSS growth while a run prints 1 GiB (in 64 KiB lines, then as one single line).

Prints a table and writes bench/results.json. The fake's interpreter is the venv's python3 (put
first on PATH), so its start-up is the same in both halves of the overhead ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FAKE = REPO / "tests" / "fakes" / "claude"
RESULTS = REPO / "bench" / "results.json"
GOALS = {"dispatch_p50_ms": 60, "dispatch_p95_ms": 150, "idle_cpu_percent": 3, "overhead_ratio": 1.05,
         "event_p95_ms": 100, "rss_growth_mib": 30}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Stack:
    """gunicorn + N db_worker processes on a temporary home, and an API client."""

    def __init__(self, home: Path, workers: int):
        self.home = home
        self.port = free_port()
        self.env = {key: value for key, value in os.environ.items()
                    if key not in {"DATABASE_URL", "DATABASE_PATH", "DJANGO_SETTINGS_MODULE"}}
        self.env.update({
            "ORCHESTRATOR_HOME": str(home), "ORCHESTRATOR_ENV_FILE": str(home / "none.env"),
            "AGENTS_ROOT": str(home / "agents"), "AGENTS_SEED_EXAMPLES": "false", "AUTO_COMMIT": "false",
            "SECRET_KEY": "bench-" + "k" * 60, "CLAUDE_BIN": str(FAKE), "DJANGO_SETTINGS_MODULE":
            "orchestrator_site.settings", "MAX_QUEUED_EXECUTIONS": "1000", "LOG_LEVEL": "WARNING",
            "PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_ACCESS_LOG": str(home / "access.log"),
            "GUNICORN_ERROR_LOG": str(home / "gunicorn.log"), "GUNICORN_PID_FILE": str(home / "gunicorn.pid"),
        })
        (home / "agents").mkdir(parents=True)
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.manage("migrate", "--noinput", "--verbosity", "0")
        # Runs are rate-limited per user (RATELIMIT_RUNS): the benchmark spreads its runs over users.
        self.tokens = self.manage("shell", "--verbosity", "0", "-c", (
            "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token\n"
            "for n in range(20):\n"
            "    u = User.objects.create_user(f'bench-{n}', password='bench-pass-123', is_staff=True)\n"
            "    print(Token.objects.create(user=u).key)")).split()
        self.token = self.tokens[0]
        self.posts = 0
        for number in range(16):
            folder = home / "agents" / f"bench-{number}"
            folder.mkdir()
            (folder / "CLAUDE.md").write_text(f"# Bench {number}\n\nA benchmark agent.\n")
        self.manage("sync_agents", "--verbosity", "0")
        self.start_gunicorn()
        for _ in range(workers):
            self.add_worker()

    def manage(self, *args: str) -> str:
        done = subprocess.run([PYTHON, str(REPO / "manage.py"), *args], cwd=REPO, env=self.env, capture_output=True,
                              text=True, check=True)
        return done.stdout

    def start_gunicorn(self) -> None:
        log = open(self.home / "gunicorn.out", "ab")  # noqa: SIM115 - lives as long as the process
        self.processes.append(subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], cwd=REPO,
                                               env=self.env, stdout=log, stderr=log, start_new_session=True))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=2)
                return
            except OSError as exc:
                if getattr(exc, "code", None) == 503:
                    return  # degraded (no worker yet) but serving
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see " + str(self.home / "gunicorn.log"))

    def add_worker(self) -> subprocess.Popen:
        log = open(self.home / f"worker-{len(self.workers)}.log", "ab")  # noqa: SIM115
        worker = subprocess.Popen([PYTHON, str(REPO / "manage.py"), "db_worker", "--no-startup-delay"], cwd=REPO,
                                  env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.workers.append(worker)
        self.processes.append(worker)
        return worker

    def wait_workers_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.manage("shell", "--verbosity", "0", "-c", (
                    "from executions.models import WorkerHeartbeat; print(WorkerHeartbeat.objects.count())")
            ).strip() == str(len(self.workers)):
                return
            time.sleep(0.2)
        raise RuntimeError("workers did not start")

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Token {token or self.token}", "Content-Type": "application/json"}
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def run(self, folder: str, task: str) -> dict:
        self.posts += 1
        token = self.tokens[(self.posts // 25) % len(self.tokens)]
        return self.request("POST", f"/api/agents/{folder}/run/", {"task": task}, token=token)

    def wait_finished(self, execution_id: int, poll: float = 0.01, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            detail = self.request("GET", f"/api/executions/{execution_id}/")
            if detail["status"] not in ("queued", "running"):
                return detail
            time.sleep(poll)
        raise RuntimeError(f"execution {execution_id} did not finish")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def direct_run(task: str) -> float:
    """Wall time of the fake run straight, reading its output as a consumer would."""
    argv = [str(FAKE), "--print", "--output-format", "stream-json", "--verbose"]
    env = {"PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/")}
    started = time.monotonic()
    subprocess.run(argv, input=task.encode(), capture_output=True, env=env, check=True)
    return time.monotonic() - started


def bench_dispatch(stack: Stack, tmp: Path, samples: int) -> dict:
    latencies = []
    for number in range(samples):
        stamp = tmp / f"stamp-{number}"
        # Let the worker go idle first: a dispatch right after a run would find it awake.
        time.sleep(0.3)
        before = time.time()
        execution = stack.run(f"bench-{number % 16}", f"[[fake:success stamp={stamp}]]")
        stack.wait_finished(execution["id"], poll=0.05)
        latencies.append((float(stamp.read_text()) - before) * 1000)
    worker = stack.workers[0]
    time.sleep(1.0)
    cpu_before, wall_before = cpu_seconds(worker.pid), time.monotonic()
    time.sleep(10.0)
    idle = (cpu_seconds(worker.pid) - cpu_before) / (time.monotonic() - wall_before) * 100
    startup = statistics.median(fake_startup_ms(tmp) for _ in range(10))
    return {"samples": samples, "p50_ms": round(percentile(latencies, 0.5), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1), "max_ms": round(max(latencies), 1),
            "fake_cli_startup_ms_p50": round(startup, 1), "idle_worker_cpu_percent": round(idle, 2)}


def fake_startup_ms(tmp: Path) -> float:
    """How long the fake takes from Popen to its first line of code (part of every dispatch)."""
    stamp = tmp / "startup"
    env = {"PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}", "HOME": os.environ.get("HOME", "/")}
    before = time.time()
    subprocess.run([str(FAKE), "--print", "--output-format", "stream-json", "--verbose"],
                   input=f"[[fake:success stamp={stamp}]]".encode(), capture_output=True, env=env, check=True)
    return (float(stamp.read_text()) - before) * 1000


def bench_overhead(stack: Stack, parallel: int, rounds: int) -> dict:
    task = "[[fake:slow events=50 delay=0.02]]"
    direct_times, api_times = [], []
    for _ in range(rounds):
        threads = [threading.Thread(target=direct_run, args=(task,)) for _ in range(parallel)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        direct_times.append(time.monotonic() - started)

        threads = [threading.Thread(target=stack.run, args=(f"bench-{i}", task)) for i in range(parallel)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # One poller for the whole batch (8 pollers at 100 Hz would load this 2-core machine more
        # than the runs do): done when nothing is queued or running.
        while stack.request("GET", "/api/executions/?status=queued,running&page_size=1")["count"]:
            time.sleep(0.01)
        api_times.append(time.monotonic() - started)
        time.sleep(0.3)
    direct, api = statistics.median(direct_times), statistics.median(api_times)
    return {"parallel": parallel, "rounds": rounds, "direct_s": round(direct, 3), "api_s": round(api, 3),
            "ratio": round(api / direct, 3)}


def bench_events(stack: Stack) -> dict:
    task = "[[fake:slow events=100 delay=0.02 stamps=1]]"
    # /events/ polled every 10 ms.
    execution = stack.run("bench-0", task)
    seen: dict[int, float] = {}
    written: dict[int, float] = {}
    after = 0
    while True:
        page = stack.request("GET", f"/api/executions/{execution['id']}/events/?after={after}")
        now = time.time()
        for event in page["results"]:
            seen[event["seq"]] = now
            if "t" in event["payload"]:
                written[event["seq"]] = event["payload"]["t"]
            after = event["seq"]
        if page["finished"] and not page["results"]:
            break
        time.sleep(0.01)
    poll_latencies = [(seen[seq] - written[seq]) * 1000 for seq in written]

    # SSE: read the stream as the messages arrive.
    execution = stack.run("bench-1", task)
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
    connection.request("GET", f"/api/executions/{execution['id']}/stream/",
                       headers={"Authorization": f"Token {stack.token}", "Accept": "text/event-stream"})
    response = connection.getresponse()
    sse_latencies = []
    while True:
        line = response.fp.readline()
        if not line or line.startswith(b"event: end"):
            break
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            if "t" in event["payload"]:
                sse_latencies.append((time.time() - event["payload"]["t"]) * 1000)
    connection.close()
    return {"events": len(poll_latencies), "events_p50_ms": round(percentile(poll_latencies, 0.5), 1),
            "events_p95_ms": round(percentile(poll_latencies, 0.95), 1),
            "sse_p50_ms": round(percentile(sse_latencies, 0.5), 1),
            "sse_p95_ms": round(percentile(sse_latencies, 0.95), 1)}


def watch_rss(pid: int, done: threading.Event, peaks: list[float]) -> None:
    while not done.is_set():
        peaks.append(rss_mib(pid))
        time.sleep(0.05)


def bench_memory(stack: Stack, size: int) -> dict:
    results = {}
    for label, task in (("lines", f"[[fake:huge size={size}]]"), ("single_line", f"[[fake:huge line=1 size={size}]]")):
        # A fresh, idle worker: baseline after Django has loaded and run one task.
        for worker in list(stack.workers):
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=20)
        stack.workers.clear()
        worker = stack.add_worker()
        stack.wait_workers_ready()
        warm = stack.run("bench-2", "[[fake:success]]")
        stack.wait_finished(warm["id"])
        time.sleep(0.5)
        baseline = rss_mib(worker.pid)
        peak = baseline
        started = time.monotonic()
        execution = stack.run("bench-3", task)
        done = threading.Event()
        peaks: list[float] = []
        watcher = threading.Thread(target=watch_rss, args=(worker.pid, done, peaks))
        watcher.start()
        detail = stack.wait_finished(execution["id"], poll=0.2, timeout=900)
        done.set()
        watcher.join()
        peak = max([peak, *peaks])
        results[label] = {"bytes": size, "seconds": round(time.monotonic() - started, 1),
                          "baseline_mib": round(baseline, 1), "peak_mib": round(peak, 1),
                          "growth_mib": round(peak - baseline, 1), "status": detail["status"],
                          "truncated": detail["truncated"], "stored_bytes": detail["output_bytes"]}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer samples and 128 MiB instead of 1 GiB.")
    args = parser.parse_args()
    samples, rounds = (20, 1) if args.quick else (60, 3)
    size = 128 * 1024 * 1024 if args.quick else 1024 * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="orchestrator-bench-") as directory:
        tmp = Path(directory)
        stack = Stack(tmp / "home", workers=1)
        try:
            stack.wait_workers_ready()
            print("dispatch latency ...", flush=True)
            dispatch = bench_dispatch(stack, tmp, samples)
            print("orchestration overhead, sequential ...", flush=True)
            sequential = bench_overhead(stack, 1, rounds)
            print("event latency ...", flush=True)
            events = bench_events(stack)
            for _ in range(7):
                stack.add_worker()
            stack.wait_workers_ready()
            print("orchestration overhead, 8 at once ...", flush=True)
            parallel = bench_overhead(stack, 8, rounds)
            print(f"worker RSS while a run prints {size // 2**20} MiB ...", flush=True)
            memory = bench_memory(stack, size)
        finally:
            stack.stop()
    results = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "database": "sqlite"},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": args.quick, "goals": GOALS,
        "dispatch": dispatch, "overhead_sequential": sequential, "overhead_parallel_8": parallel, "events": events,
        "memory": memory,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("dispatch p50 (POST -> CLI started)", f"{dispatch['p50_ms']} ms", f"<= {GOALS['dispatch_p50_ms']} ms"),
        ("dispatch p95", f"{dispatch['p95_ms']} ms", f"<= {GOALS['dispatch_p95_ms']} ms"),
        ("  of which the fake CLI's own start-up", f"{dispatch['fake_cli_startup_ms_p50']} ms", ""),
        ("idle worker CPU", f"{dispatch['idle_worker_cpu_percent']} %", f"<= {GOALS['idle_cpu_percent']} %"),
        ("overhead, sequential (API / direct)", f"{sequential['ratio']}", f"<= {GOALS['overhead_ratio']}"),
        ("overhead, 8 at once", f"{parallel['ratio']}", f"<= {GOALS['overhead_ratio']}"),
        ("event latency p95, /events/ (10 ms poll)", f"{events['events_p95_ms']} ms", f"<= {GOALS['event_p95_ms']} ms"),
        ("event latency p95, SSE", f"{events['sse_p95_ms']} ms", f"<= {GOALS['event_p95_ms']} ms"),
    ]
    for label, figures in memory.items():
        rows.append((f"worker RSS growth, {size // 2**20} MiB in {label.replace('_', ' ')}",
                     f"{figures['growth_mib']} MiB", f"<= {GOALS['rss_growth_mib']} MiB"))
    width = max(len(row[0]) for row in rows)
    print(f"\n{'measure'.ljust(width)}  {'result':>12}  goal")
    for label, value, goal in rows:
        print(f"{label.ljust(width)}  {value:>12}  {goal}")
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
