"""`import f1tune` stays light: numpy and the compiled core only."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_optional_dependency():
    code = (
        "import sys, f1tune\n"
        "optional = ('torch', 'numba', 'sklearn', 'scipy', 'tqdm', 'dask', 'distributed', 'matplotlib',\n"
        "            'pandas', 'pyarrow', 'torchmetrics')\n"
        "heavy = [m for m in optional if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_is_compiled_and_versioned():
    import f1tune

    assert f1tune._core.__file__.endswith((".so", ".pyd"))
    assert f1tune.__version__ == "0.1.0"


def test_missing_core_names_the_fix():
    code = (
        "import sys\n"
        "sys.modules['f1tune._core'] = None  # what a checkout without a build looks like to import\n"
        "try:\n"
        "    import f1tune\n"
        "except ImportError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("f1tune's compiled core is not built: pip install .")
