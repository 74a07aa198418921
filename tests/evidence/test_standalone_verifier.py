"""The auditor's standalone verifier printed in docs/EVIDENCE.md runs, without jointprojects,
on a real bundle, and catches a changed row."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from jointprojects.evidence.bundle import build_bundle
from tests.evidence.conftest import _tamper

DOC = Path(__file__).parents[2] / "docs" / "EVIDENCE.md"


def _script(tmp_path: Path) -> Path:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert code is not None
    path = tmp_path / "verify_chain.py"
    path.write_text(code.group(1))
    return path


def _run(script: Path, bundle: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", str(script), str(bundle)], cwd=script.parent,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_documented_verifier_checks_a_bundle(books, tmp_path):
    script = _script(tmp_path)
    data = build_bundle(books["sa"])
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(data)
    result = _run(script, bundle)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("chain verified: ")
    rows = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("log.json"))
    _tamper("UPDATE audit_entry SET user_agent = 'x' WHERE id = :i", i=rows[-1]["id"])
    bundle.write_bytes(build_bundle(books["sa"]))
    result = _run(script, bundle)
    assert result.returncode != 0
    assert f"row {rows[-1]['id']}: content" in result.stderr
