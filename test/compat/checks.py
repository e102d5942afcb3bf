"""What the boto3 compatibility scripts share: recorded checks and error codes."""
import sys

import botocore.exceptions

failures = []


def check(cond, what):
    """Prints and records one check."""
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def error_code(fn, **kw):
    """Calls fn and returns the AWS error code it raised, or None."""
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def finish():
    """Prints the count of failed checks and exits non-zero if any failed."""
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)
