"""The documentation holds together: the README stays a front door, every relative link resolves, and
the examples' index names every example.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_LIMIT = 6144
"""The README's size limit in bytes: a front door, with the rest in docs/."""

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


_NOT_OURS = frozenset({"node_modules", "sdks", "venv"})
"""Directories an example's tools create (npm packages, generated SDKs, virtualenvs): their READMEs are not ours."""


def markdown_files() -> list[Path]:
    """README.md, docs/*.md and every examples/**/README.md of this repository."""
    examples = ROOT / "examples"
    ours = [
        path for path in examples.glob("**/README.md")
        if not any(part in _NOT_OURS or part.startswith(".") for part in path.relative_to(examples).parts)
    ]
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted(ours)]


def relative_links(text: str) -> list[str]:
    """The targets of the markdown links in ``text`` that point into the repository, anchors removed;
    links inside code are not links."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", text))
    targets = []
    for target in _LINK.findall(prose):
        if _EXTERNAL.match(target) or target.startswith("#"):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def test_the_readme_is_at_most_6_kb() -> None:
    size = len((ROOT / "README.md").read_bytes())

    assert size <= README_LIMIT, f"README.md is {size} bytes; move detail to docs/"


def test_docs_holds_at_least_four_pages() -> None:
    assert len(list((ROOT / "docs").glob("*.md"))) >= 4


@pytest.mark.parametrize("page", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    links = relative_links(page.read_text(encoding="utf-8"))

    missing = [target for target in links if not (page.parent / target).exists()]

    assert missing == [], f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_the_examples_index_lists_every_example() -> None:
    index = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    linked = {target.rstrip("/").split("/")[0] for target in relative_links(index) if not target.startswith("..")}

    examples = {path.name for path in (ROOT / "examples").iterdir() if path.is_dir() and path.name[0] not in "._"}

    assert examples <= linked, f"examples/README.md does not list {sorted(examples - linked)}"


def test_the_link_finder_skips_code_urls_and_anchors() -> None:
    text = "[a](docs/a.md#x) [b](https://example.com) [c](#top) `[d](e.md)`\n```\n[f](g.md)\n```\n![i](img.png)"

    assert relative_links(text) == ["docs/a.md", "img.png"]


def test_the_readmes_way_to_put_css_vpcep_on_path_works_in_a_new_shell() -> None:
    activate = ". .venv/bin/activate"
    assert f"`{activate}`" in (ROOT / "README.md").read_text(encoding="utf-8")
    if not (ROOT / ".venv" / "bin" / "activate").exists():
        pytest.skip("no .venv here: make run and make test create it")
    shell = subprocess.run(
        ["sh", "-c", f"{activate} && command -v css-vpcep"], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": os.defpath}, timeout=30, check=False,
    )
    assert shell.stdout.strip() == str(ROOT / ".venv" / "bin" / "css-vpcep"), shell.stderr
