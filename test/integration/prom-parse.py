"""Reads Prometheus' text format on stdin with prometheus_client's own parser (the reference
implementation, pinned in hub/requirements.txt) and prints it as JSON for the Node tests:
{"families": [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}]}.
A scrape the parser rejects exits non-zero with its error."""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(v: float):
    # JSON has no NaN/Inf; the tests compare finite values only.
    return v if math.isfinite(v) else str(v)


families = [
    {
        "name": f.name,
        "type": f.type,
        "help": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples],
    }
    for f in text_string_to_metric_families(sys.stdin.read())
]
json.dump({"families": families}, sys.stdout)
