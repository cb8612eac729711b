#!/usr/bin/env python3
"""Times commands in turns: each round runs every command once, in an order
that reverses every other round, so that a machine whose speed drifts (as
these shared VMs do, by up to 2x within minutes) slows every command alike.
Prints one line per command: its label, median and quartiles in ms.

usage: interleave.py RUNS LABEL=COMMAND...   (COMMAND split on spaces)
  PAUSE=S  seconds to wait before each command (default 0), so that what a
           command leaves running in the background (a daemon's cleanup, a
           monitor's deletions) is not timed as part of the next one
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    runs = int(sys.argv[1])
    labels, cmds = zip(*(a.split("=", 1) for a in sys.argv[2:]))
    cmds = [c.split() for c in cmds]
    times = [[] for _ in cmds]
    pause = float(os.environ.get("PAUSE", "0"))
    for i in range(runs + 5):
        order = range(len(cmds)) if i % 2 == 0 else reversed(range(len(cmds)))
        for j in order:
            time.sleep(pause)
            start = time.perf_counter()
            subprocess.run(cmds[j], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i >= 5:  # the first rounds warm up
                times[j].append((time.perf_counter() - start) * 1000)
    for label, t in zip(labels, times):
        t.sort()
        print(f"{label} {statistics.median(t):.2f} {t[len(t) // 4]:.2f} {t[3 * len(t) // 4]:.2f}")


if __name__ == "__main__":
    main()
