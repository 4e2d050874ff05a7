"""Run one command and print its wall time and the peak memory (RSS) of the
largest single process it started, as JSON: ``{"wall": s, "peak_mb": MB}``.

    python bench/measure.py OUTFILE -- COMMAND...

The command's stdout goes to OUTFILE.
"""
import json
import resource
import subprocess
import sys
import time


def main(argv):
    out, cmd = argv[0], argv[argv.index('--') + 1:]
    with open(out, 'wb') as f:
        start = time.perf_counter()
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    # ru_maxrss of children: the largest one that was waited for, in KiB
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({'wall': wall, 'peak_mb': peak, 'code': code}))


if __name__ == '__main__':
    main(sys.argv[1:])
