"""Runs drain3 (PyPI) with its default settings over a file, one message per line, and prints the
number of lines and clusters: the peer side of bench/logs-speed.sh."""
import sys

from drain3 import TemplateMiner

miner = TemplateMiner()
n = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        miner.add_log_message(line.rstrip("\r\n"))
        n += 1
print(n, len(miner.drain.clusters))
