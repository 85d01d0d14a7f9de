"""Without torch and numba the numpy-level tests still collect (issue 10, item 18).

Simulated here by hiding the two packages from every import finder in a subprocess that
collects the whole test folder; the real check is a venv without torch (see conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent

CODE = """
import sys


class Hide:
    # Wraps an import finder: torch and numba are not found (import fails, find_spec gives None).
    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "numba"):
            return None
        find = getattr(self.inner, "find_spec", None)
        return find(name, path, target) if find else None

    def invalidate_caches(self):
        getattr(self.inner, "invalidate_caches", lambda: None)()


sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
import pytest
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", {tests!r}]))
"""


def test_numpy_level_tests_collect_without_torch_and_numba():
    out = subprocess.run(
        [sys.executable, "-c", CODE.format(tests=str(TESTS))], capture_output=True, text=True, cwd=TESTS.parent
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    files = {line.split("::")[0].rsplit("/", 1)[-1] for line in out.stdout.splitlines() if "::" in line}
    assert {"test_metrics.py", "test_thresholds.py", "test_validation.py", "test_import.py"} <= files
    assert not any(
        f.startswith("test_torch_") or f in ("test_stretcher.py", "test_soft_fbeta_kernels.py") for f in files
    )
