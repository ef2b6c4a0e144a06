"""The study's findings (the README's Findings) as records whose `holds` is computed from `value`.

Each finding function takes measured numbers and returns a record; `record_findings`
merges records into `data/results/<profile>/findings.json` by id, so a notebook re-run
replaces its own findings and leaves the others alone.
"""

from .compute import f5_records, f6_records
from .models import f1_bins, f1_scale, f1_span
from .record import record_findings
from .revisions import f4_records
from .selection import f2_records, f3_records, f7_record

__all__ = [
    "record_findings",
    "f1_span",
    "f1_bins",
    "f1_scale",
    "f2_records",
    "f3_records",
    "f4_records",
    "f5_records",
    "f6_records",
    "f7_record",
]
