"""Every UI string is marked for translation and translated into Simplified Chinese."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chinese_catalog_is_complete_and_current():
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "i18n.sh"), "check"], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_chinese_interface_calls_the_wiki_weiji():
    """The Chinese interface names the wiki 维基 (its tab, headings and help), never 'Wiki'."""
    from babel.messages.pofile import read_po

    with open(ROOT / "collab" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    english = [m.string for m in catalog if m.id and "Wiki" in "".join(m.string if isinstance(m.string, tuple) else [m.string])]
    assert english == []
