"""Every code a domain module defines has the Russian words a person reads for it, in ``labels``."""

from __future__ import annotations

import ast
from pathlib import Path

from liveline import auth, labels
from liveline.board import broadcasts, bulk, clusters
from liveline.followup import appeals
from liveline.ingest.vk import status as source_status

ROOT = Path(__file__).resolve().parent.parent


def test_each_cluster_status_and_reject_reason_has_a_label() -> None:
    assert set(clusters.STATUSES) == set(labels.CLUSTER_STATUSES)
    assert set(clusters.REJECT_REASONS) == set(labels.REJECT_REASONS)
    assert set(bulk.WAVE_REASONS.values()) <= set(labels.REJECT_REASONS)


def test_each_broadcast_state_source_kind_and_source_state_has_a_label() -> None:
    assert set(broadcasts.STATES) == set(labels.BROADCAST_STATES)
    assert set(broadcasts.SOURCE_KINDS) == set(labels.SOURCE_KINDS)
    assert set(source_status.STATES) <= set(labels.SOURCE_STATES)


def test_each_role_and_appeal_status_has_a_label() -> None:
    assert set(auth.ROLES) == set(labels.ROLES)
    assert set(appeals.STATUSES) == set(labels.APPEAL_STATUSES)
    assert set(appeals.ALLOWED) <= set(labels.APPEAL_ACTIONS)
    assert set(appeals.DEFAULT_SETTINGS) == set(labels.APPEAL_SETTINGS)


def test_render_takes_its_words_from_labels_not_from_domain_modules() -> None:
    tree = ast.parse((ROOT / "liveline" / "render.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in imported if m.startswith(("liveline.board", "liveline.followup", "liveline.auth"))}
