"""The documents match the code: the status table is the one orders/statuses.py generates,
every realtime group and event type the code has is described, every kind of order event is
documented, and the README and docs send readers only to files in the repository."""

import inspect
import re
from pathlib import Path

from django.core.management import call_command

from omostore import realtime
from orders.management.commands.status_table import DOC, document_with_table
from orders.models import OrderEventKind

ROOT = Path(__file__).resolve().parents[2]


def test_the_status_table_in_docs_is_the_one_the_code_generates():
    current = DOC.read_text(encoding="utf-8")
    assert document_with_table(current) == current, "run: python manage.py status_table --write"
    call_command("status_table", check=True)  # the command agrees


def test_every_realtime_group_and_event_type_is_documented():
    doc = (ROOT / "docs" / "realtime.md").read_text(encoding="utf-8")
    for name, _ in inspect.getmembers(realtime.groups, inspect.isfunction):
        assert f"groups.{name}(" in doc, name
    published = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        published |= set(re.findall(r"realtime\.publish\([^,]+,\s*\"([a-z_.]+)\"", text))
    assert published >= {"order.status", "order.timeline", "order.refund"}
    for event in published:
        assert f"`{event}`" in doc, event


def test_every_order_event_kind_is_documented():
    doc = (ROOT / "docs" / "orders.md").read_text(encoding="utf-8")
    for kind in OrderEventKind.values:
        assert f"| `{kind}` |" in doc, kind


def test_the_readme_and_docs_link_only_to_files_in_the_repository():
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        assert "shared/" not in text, document
        assert "](../" not in text, document
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            assert (document.parent / target).exists(), (document.name, target)
