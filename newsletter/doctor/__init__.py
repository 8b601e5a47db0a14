"""``newsletter doctor``: "the job ran but no email came", answered line by line before and
after the first send. Each check returns findings (data); the CLI prints them."""

from newsletter.doctor.findings import Finding, Status
from newsletter.doctor.run import DoctorOptions, run_checks

__all__ = ["DoctorOptions", "Finding", "Status", "run_checks"]
