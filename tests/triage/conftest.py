"""Fixtures of the triage tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from liveline.triage.features import Extractor
from liveline.triage.places import Gazetteer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(Gazetteer.from_csv(ROOT / "liveline" / "demo" / "places.csv"))
