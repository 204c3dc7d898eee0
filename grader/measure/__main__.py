"""The measuring child: ``python -m grader.measure`` reads probe calls as JSON on stdin and prints one
JSON line: the CUDA device's name (or why there is none) and each call's value or error."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def main() -> int:
    request = json.loads(sys.stdin.read())
    print(json.dumps(measure_all(request["calls"])), flush=True)
    return 0


def measure_all(calls: list[dict[str, Any]]) -> dict[str, Any]:
    import torch

    if not torch.cuda.is_available():
        build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", a CPU-only build")
        return {"device": None, "reason": f"torch.cuda.is_available() is False ({build})", "values": []}
    from grader.measure.probes import PROBES

    values = []
    for call in calls:
        try:
            values.append({"value": PROBES[call["probe"]](**call["args"])})
        except torch.cuda.OutOfMemoryError:
            values.append({"error": "out of memory"})
        except Exception:
            values.append({"error": traceback.format_exc(limit=-3)})
    return {"device": torch.cuda.get_device_name(0), "reason": "", "values": values}


if __name__ == "__main__":
    sys.exit(main())
