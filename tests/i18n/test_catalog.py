"""The French catalog holds every string the application marks, each translated, none fuzzy,
with the same placeholders as the English message id (issue 17)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.i18n.conftest import PO, POT

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)s|\{[a-z_]+\}")


def _catalog(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as source:
        return read_po(source, locale="fr" if path.suffix == ".po" else None)


def _ids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_marked_string_is_in_the_template(tmp_path: Path) -> None:
    """``make translations`` was run after the last string was marked: extracting again
    finds nothing the committed messages.pot lacks."""
    pybabel = shutil.which("pybabel", path=str(Path(sys.executable).parent))
    assert pybabel, "pybabel is not installed in the virtual environment"
    fresh = tmp_path / "messages.pot"
    makefile = (ROOT / "Makefile").read_text()
    keywords = re.search(r"pybabel extract -F babel.cfg (.*?)--no-wrap", makefile, re.S)
    assert keywords
    args = [a for a in keywords.group(1).replace("\\", " ").split() if a]
    subprocess.run([pybabel, "extract", "-F", "babel.cfg", *args, "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    missing = _ids(_catalog(fresh)) - _ids(_catalog(POT))
    assert not missing, "run `make translations`; not in messages.pot: " + repr(sorted(missing))


def test_the_french_catalog_translates_every_message_without_fuzzy_entries() -> None:
    french = _catalog(PO)
    english = _ids(_catalog(POT))
    assert len(english) > 800
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in french if m.id}
    missing = sorted(english - set(translated))
    assert not missing, f"{len(missing)} strings missing from the French catalog: {missing[:20]}"
    empty = sorted(k for k, m in translated.items() if k in english and not (
        m.string if isinstance(m.string, str) else all(m.string)))
    assert not empty, f"{len(empty)} untranslated: {empty[:20]}"
    fuzzy = sorted(k for k, m in translated.items() if k in english and m.fuzzy)
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"


def test_each_translation_keeps_the_placeholders_of_its_message() -> None:
    """No placeholder the message does not fill (a KeyError when shown), and every value that
    is not an English plural's "s" (``%(v2)s`` after "item") is kept."""
    problems = []
    for message in _catalog(PO):
        if not message.id or not isinstance(message.id, str):
            continue
        english = set(PLACEHOLDER.findall(message.id))
        french = set(PLACEHOLDER.findall(message.string))
        plural_s = set(re.findall(r"(?<=[a-z])%\(v[0-9]+\)s(?![a-z])", message.id))
        if not french <= english or english - plural_s - french:
            problems.append((message.id, message.string))
    assert not problems, problems[:10]


def test_the_areas_paragraphs_are_the_seeds_and_read_in_french() -> None:
    """Art. 1 (a)-(f): the message ids are the seed's text (the English kept as it is), each
    with its French working translation in the catalog."""
    import json

    from jointprojects import vocabulary
    from jointprojects.organizations.services import REFERENCE_FILE

    seed = {a["code"]: a["text"] for a in json.loads(Path(REFERENCE_FILE).read_text())["areas"]}
    assert seed == vocabulary.AREA_TEXTS
    french = {m.id: m.string for m in _catalog(PO) if m.id}
    for code, text in seed.items():
        assert french[text] and french[text] != text, code
        assert french[vocabulary.AREAS[code]] != vocabulary.AREAS[code], code
