"""The docs never point at a missing picture, and docs/images holds exactly what tools/screenshots.py makes.

Images are found in README.md and every docs/**/*.md as Markdown image links (`![alt](path)`, with an
optional title) and HTML `<img src="...">`; relative paths resolve from the file that holds them.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "docs" / "images"
TOOL = REPO / "tools" / "screenshots.py"

_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def image_links(markdown: str) -> list[str]:
    """Every image target in a Markdown text, in order (code blocks are not read: they show examples)."""
    text = _FENCE.sub("", markdown)
    return [m.group(1) for pattern in (_MARKDOWN_IMAGE, _HTML_IMAGE) for m in pattern.finditer(text)]


def local_target(link: str, holder: Path) -> Path | None:
    """The file a link points at, or None for a link outside the repository (http, data URIs)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):
        return None
    path = link.split("#", 1)[0].split("?", 1)[0]
    return (REPO / path.lstrip("/")) if path.startswith("/") else (holder.parent / path)


def doc_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def referenced_images() -> list[tuple[Path, str, Path]]:
    """(markdown file, link, target) for every local image the docs show."""
    found = []
    for doc in doc_files():
        for link in image_links(doc.read_text(encoding="utf-8")):
            if (target := local_target(link, doc)) is not None:
                found.append((doc, link, target))
    return found


def shot_names(tool_source: str) -> list[str]:
    """The file stems tools/screenshots.py writes: the first argument of every `Shot(...)`."""
    names = []
    for node in ast.walk(ast.parse(tool_source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Shot" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.append(first.value)
    return names


# --- the helpers themselves ------------------------------------------------------------------------


def test_image_links_finds_markdown_and_html_images_but_not_code_or_plain_links():
    text = (
        '![a](docs/images/one.svg)\n![b](<two.svg> "title")\n<img alt="c" src="images/three.svg">\n'
        "[not an image](four.svg)\n```md\n![example](five.svg)\n```\n![remote](https://example.com/x.png)\n"
    )
    assert image_links(text) == [
        "docs/images/one.svg",
        "two.svg",
        "https://example.com/x.png",
        "images/three.svg",
    ]


def test_local_target_resolves_from_the_holding_file_and_skips_urls():
    holder = REPO / "docs" / "guide.md"
    assert local_target("images/x.svg", holder) == REPO / "docs" / "images" / "x.svg"
    assert local_target("/docs/images/x.svg#frag", holder) == REPO / "docs" / "images" / "x.svg"
    assert local_target("https://example.com/x.svg", holder) is None


def test_shot_names_reads_the_first_argument_of_each_shot():
    source = 'SHOTS = (Shot("a", "caption", f), Shot("b-c", "caption", g))\nother("d")\n'
    assert shot_names(source) == ["a", "b-c"]


# --- the repository ---------------------------------------------------------------------------------


def test_the_docs_show_pictures():
    readme = [link for doc, link, _ in referenced_images() if doc.name == "README.md"]
    assert len(readme) >= 3, "README's Screens section shows at least three screenshots"


@pytest.mark.parametrize(
    ("doc", "link", "target"),
    [pytest.param(*ref, id=f"{ref[0].relative_to(REPO)}:{ref[1]}") for ref in referenced_images()],
)
def test_every_referenced_image_exists_and_is_an_svg_or_picture(doc: Path, link: str, target: Path):
    assert target.is_file(), f"{doc.relative_to(REPO)} shows {link}, which is not in the repository"
    if target.suffix.lower() == ".svg":
        root = ET.parse(target).getroot()  # a truncated or empty file fails here
        assert root.tag.endswith("svg"), f"{link} is not an SVG document"


def test_docs_images_holds_exactly_the_screenshots_the_tool_makes():
    made = set(shot_names(TOOL.read_text(encoding="utf-8")))
    assert made, "tools/screenshots.py names no shots"
    present = {p.stem for p in IMAGES.glob("*.svg")}
    assert not made - present, f"run `python tools/screenshots.py`: missing {sorted(made - present)}"
    assert not present - made, f"not made by tools/screenshots.py (stale?): {sorted(present - made)}"
