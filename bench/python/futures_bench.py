"""Python's concurrent.futures on the same tiny task, for the comparison rows.

Prints one JSON object: tasks/s for ThreadPoolExecutor(2) and
ProcessPoolExecutor(2) submit with N in flight (the process pool with at most
20,000: it is slow enough that more only lengthens the run), and items/s for
ProcessPoolExecutor(2).map(chunksize=100).
"""
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait


def double(x):
    return x * 2


def median_rate(n, job, reps):
    job()  # warm-up
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        job()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with ThreadPoolExecutor(max_workers=2) as pool:
        thread = median_rate(n, lambda: wait([pool.submit(double, i) for i in range(n)]), reps)
    with ProcessPoolExecutor(max_workers=2) as pool:
        process = median_rate(n, lambda: list(pool.map(double, range(n), chunksize=100)), reps)
        m = min(n, 20_000)
        process_submit = median_rate(m, lambda: wait([pool.submit(double, i) for i in range(m)]), reps)
    print(json.dumps({"threadSubmit": thread, "processMapChunk100": process, "processSubmit": process_submit}))


if __name__ == "__main__":
    main()
