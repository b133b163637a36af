"""Shared fixtures: fixture campaigns copied into a temporary folder so tests can break them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shipped_root() -> Path:
    """The repository root: the shipped Tianjin campaign."""
    return ROOT


@pytest.fixture
def mini_campaign(tmp_path: Path) -> Path:
    """A writable copy of the small test campaign (two languages, three questions)."""
    target = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1583798400")  # 2020-03-10, the notice's date
