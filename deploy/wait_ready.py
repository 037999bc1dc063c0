"""Wait until a URL answers 200 (an app instance's /_stcore/health), at most SECONDS; exit 1 if it
never does. Used by hotline-app@.service so that `systemctl start` means "serving".
Usage: python deploy/wait_ready.py URL SECONDS"""
from __future__ import annotations

import sys
import time
import urllib.request


def main(url: str, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return 0
        except OSError:
            pass
        if time.monotonic() > deadline:
            print(f"{url} did not answer within {seconds:g} s", file=sys.stderr)
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
