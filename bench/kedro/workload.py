"""Kedro side of `pnpm bench:runner`: the same workloads as bench/src/runner.ts, on Kedro 1.7.x.

Reads a JSON list of cases on stdin, prints one JSON object {case_id: [run times in ms]} on stdout.
Node functions are module-level so that ParallelRunner can pickle them.
"""

import json
import logging
import sys
import time
import warnings

logging.disable(logging.CRITICAL)
warnings.filterwarnings("ignore")

from kedro.io import DataCatalog, MemoryDataset, SharedMemoryDataCatalog  # noqa: E402
from kedro.pipeline import Pipeline, node  # noqa: E402
from kedro.runner import ParallelRunner, SequentialRunner, ThreadRunner  # noqa: E402


def identity(x):
    return x


def sleep50(x):
    time.sleep(0.05)
    return x


def burn_cpu(ms):
    end = time.perf_counter() + ms / 1000
    n = 0
    while time.perf_counter() < end:
        n += 1
    return ms


def chain(n):
    nodes = [node(identity, "d0" if i == 0 else f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(n)]
    return Pipeline(nodes), lambda: DataCatalog({"d0": MemoryDataset(1)})


def independent(fn, n, value):
    nodes = [node(fn, "x", f"out{i}", name=f"n{i}") for i in range(n)]
    return Pipeline(nodes), value


def make_runner(name):
    if name == "SequentialRunner":
        return SequentialRunner()
    if name == "ThreadRunner":
        return ThreadRunner()
    if name == "ParallelRunner":
        return ParallelRunner()
    raise ValueError(name)


def run_case(case):
    kind = case["kind"]
    runner_name = case["runner"]
    if kind == "chain":
        pipeline, make_catalog = chain(case["nodes"])
    elif kind == "sleep":
        pipeline, value = independent(sleep50, case["nodes"], 1)
        make_catalog = lambda: DataCatalog({"x": MemoryDataset(value)})  # noqa: E731
    elif kind == "cpu":
        pipeline, value = independent(burn_cpu, case["nodes"], case["ms"])
        if runner_name == "ParallelRunner":
            make_catalog = lambda: SharedMemoryDataCatalog({"x": MemoryDataset(value)})  # noqa: E731
        else:
            make_catalog = lambda: DataCatalog({"x": MemoryDataset(value)})  # noqa: E731
    else:
        raise ValueError(kind)
    times = []
    for i in range(case["warmup"] + case["runs"]):
        catalog = make_catalog()
        runner = make_runner(runner_name)
        start = time.perf_counter()
        runner.run(pipeline, catalog)
        elapsed = (time.perf_counter() - start) * 1000
        if i >= case["warmup"]:
            times.append(elapsed)
    return times


def main():
    cases = json.load(sys.stdin)
    results = {}
    for case in cases:
        results[case["id"]] = run_case(case)
        print(f"kedro {case['id']}: done", file=sys.stderr, flush=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
