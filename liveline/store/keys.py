"""Every Redis key Liveline uses is built here, and only here.

One prefix (``ll:``); everything of a broadcast is hash-tagged by it (``ll:{b42}:q:17``) so that a Redis
Cluster keeps a broadcast on one shard and multi-key transactions stay legal.
"""

from __future__ import annotations

PREFIX = "ll"


def _b(broadcast_id: int | str) -> str:
    return f"{PREFIX}:{{b{broadcast_id}}}"


# -- global ---------------------------------------------------------------------------------------------
def broadcast_seq() -> str:
    return f"{PREFIX}:seq:broadcast"


def broadcasts() -> str:
    """Sorted set of broadcast ids, scored by creation time."""
    return f"{PREFIX}:broadcasts"


def users() -> str:
    """Hash: username -> JSON account."""
    return f"{PREFIX}:users"


def session(sid: str) -> str:
    return f"{PREFIX}:session:{sid}"


def user_sessions(username: str) -> str:
    return f"{PREFIX}:user-sessions:{username}"


def host_sessions(broadcast_id: int | str) -> str:
    """Set of the ids of sessions opened with the broadcast's host link (apart from every account's)."""
    return f"{PREFIX}:host-sessions:{broadcast_id}"


def login_failures(kind: str, who: str) -> str:
    """Counter of login attempts verified in the current window, per "user", "device" or "addr"."""
    return f"{PREFIX}:login-fail:{kind}:{who}"


def heartbeat(role: str, ident: str) -> str:
    return f"{PREFIX}:hb:{role}:{ident}"


def heartbeat_pattern(role: str) -> str:
    return f"{PREFIX}:hb:{role}:*"


def token_bucket(token_id: str) -> str:
    """Shared rate limiter state for one VK token (see ``sources/ratelimit.py``)."""
    return f"{PREFIX}:vk:bucket:{token_id}"


def vk_tokens(org: str = "default") -> str:
    """Hash: kind (user|group) -> JSON token record of an organisation."""
    return f"{PREFIX}:vk:tokens:{org}"


def vk_method_blocked(token_id: str, method: str) -> str:
    return f"{PREFIX}:vk:blocked:{token_id}:{method}"


def taxonomy() -> str:
    return f"{PREFIX}:taxonomy"


def places() -> str:
    return f"{PREFIX}:places"


# -- per broadcast --------------------------------------------------------------------------------------
def broadcast(broadcast_id: int | str) -> str:
    """Hash of the broadcast's fields (title, official, tz, start, end, state...)."""
    return f"{_b(broadcast_id)}:meta"


def sources(broadcast_id: int | str) -> str:
    """Hash: source id -> JSON source description."""
    return f"{_b(broadcast_id)}:sources"


def source_state(broadcast_id: int | str, source_id: str) -> str:
    """Hash of an ingesting source's cursors and status (long-poll ts, last comment ids, counters, errors)."""
    return f"{_b(broadcast_id)}:src:{source_id}"


def inbox(broadcast_id: int | str) -> str:
    """Stream of raw source items waiting for triage."""
    return f"{_b(broadcast_id)}:inbox"


def items(broadcast_id: int | str) -> str:
    """Hash: source item key -> question id. A key maps to at most one question, forever."""
    return f"{_b(broadcast_id)}:items"


def events(broadcast_id: int | str) -> str:
    """Stream: the broadcast's event log; the stream id is every reader's cursor."""
    return f"{_b(broadcast_id)}:events"


def question_seq(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:seq:q"


def cluster_seq(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:seq:c"


def questions(broadcast_id: int | str) -> str:
    """Hash: question id -> JSON question. One hash so a snapshot is one atomic read."""
    return f"{_b(broadcast_id)}:qs"


def clusters(broadcast_id: int | str) -> str:
    """Hash: cluster id -> JSON cluster (the unit moderators act on; its leader is what the host reads)."""
    return f"{_b(broadcast_id)}:cs"


def cluster_version(broadcast_id: int | str, cid: int | str) -> str:
    """Counter bumped by every write to one cluster; writers WATCH it (versioned, optimistic writes)."""
    return f"{_b(broadcast_id)}:cv:{cid}"


def structure_version(broadcast_id: int | str) -> str:
    """Counter bumped by every change of which question is in which cluster (merges, splits, new questions);
    a writer that reads question→cluster links WATCHes it."""
    return f"{_b(broadcast_id)}:cv:struct"


def cluster_members(broadcast_id: int | str, cid: int | str) -> str:
    """Sorted set: the cluster's question ids, scored by their creation time (the first is the leader)."""
    return f"{_b(broadcast_id)}:cm:{cid}"


def cluster_people(broadcast_id: int | str, cid: int | str) -> str:
    """Hash: person token -> "authored:supported" counts over the cluster's questions; its size is the number
    of distinct people behind the cluster (each counts once for support)."""
    return f"{_b(broadcast_id)}:cp:{cid}"


def support_replies(broadcast_id: int | str, qid: int | str) -> str:
    """Set: ids of the "+1" replies that back question ``qid`` (who supported it, for its card's members)."""
    return f"{_b(broadcast_id)}:sr:{qid}"


def pending_support(broadcast_id: int | str) -> str:
    """Hash: parent item key -> JSON list of support replies that arrived before their parent."""
    return f"{_b(broadcast_id)}:pending-support"


def queue(broadcast_id: int | str) -> str:
    """List of cluster ids in the host queue, head first."""
    return f"{_b(broadcast_id)}:queue"


def host_state(broadcast_id: int | str) -> str:
    """Hash: on air cluster, since when, cue, blank/pause flags, font size."""
    return f"{_b(broadcast_id)}:host"


def host_key(broadcast_id: int | str) -> str:
    """The current secret of the broadcast's host link."""
    return f"{_b(broadcast_id)}:hostkey"


def triage_lock(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:lock:triage"


def triage_state(broadcast_id: int | str) -> str:
    """Hash of per-question triage features (JSON) from which a worker rebuilds its in-memory index."""
    return f"{_b(broadcast_id)}:triage"


def split_pairs(broadcast_id: int | str) -> str:
    """Set of "qa:qb" pairs a moderator split apart: never re-merged automatically."""
    return f"{_b(broadcast_id)}:splits"


def authors_muted(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:muted"


def presence(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:presence"


def appeals(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:appeals"


def appeal(broadcast_id: int | str, aid: int | str) -> str:
    return f"{_b(broadcast_id)}:a:{aid}"


def replies(broadcast_id: int | str) -> str:
    """Hash: reply guid -> JSON record of a VK reply (status, comment id, error)."""
    return f"{_b(broadcast_id)}:replies"


def audit(broadcast_id: int | str) -> str:
    """Stream of moderator/staff actions with before/after."""
    return f"{_b(broadcast_id)}:audit"


def manual_seq(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:seq:manual"


def owed(broadcast_id: int | str) -> str:
    """Sorted set: follow-up work a workflow still owes ("end", "answer:7:1", …) -> when it was recorded, written
    in the transaction of the state change and removed when the work is done (``liveline/workflows.py``)."""
    return f"{_b(broadcast_id)}:owed"


# -- appeals (follow-up) --
# ``appeals(b)`` above is the hash aid -> JSON appeal (one read lists a broadcast's appeals);
# ``appeal(b, aid)`` is that appeal's version counter, which every appeal verb WATCHes.
def appeal_seq(broadcast_id: int | str) -> str:
    return f"{_b(broadcast_id)}:seq:a"


def appeal_by_cluster(broadcast_id: int | str) -> str:
    """Hash: cluster id -> appeal id. One appeal per cluster, however often appeals are created."""
    return f"{_b(broadcast_id)}:a-by-c"


def appeal_review(broadcast_id: int | str) -> str:
    """Hash: cluster id -> JSON note of a still-new cluster held for a last review after the end."""
    return f"{_b(broadcast_id)}:a-review"


def reply_index(broadcast_id: int | str) -> str:
    """Hash: source item key of one of OUR VK replies -> "aid:qid" (a citizen answering under it)."""
    return f"{_b(broadcast_id)}:reply-index"


def routing() -> str:
    """Hash: "topic|settlement" (or "topic|*") -> department; the admin's routing table."""
    return f"{PREFIX}:routing"


def departments() -> str:
    """Hash: department name -> JSON record; the departments on record, which everything else picks from."""
    return f"{PREFIX}:departments"


def department_heads() -> str:
    """Hash: department -> username of its head (who gets escalations)."""
    return f"{PREFIX}:dept-heads"


def appeal_settings() -> str:
    """Hash of follow-up settings: deadline rule, reply templates, watch hours, registration reply."""
    return f"{PREFIX}:appeal-settings"


def appeal_notices(broadcast_id: int | str) -> str:
    """Stream of a broadcast's appeal reminders and escalations (kind, department, recipients, appeal)."""
    return f"{_b(broadcast_id)}:a-notices"



def vk_token_refresh_lock(org: str = "default") -> str:
    """Held while one process renews an organisation's VK ID user token."""
    return f"{PREFIX}:vk:refresh-lock:{org}"


def vk_name(owner_id: int) -> str:
    """A VK author's display name (a user's id, or a community's as a negative number), cached with a TTL
    so that a name learnt once is not asked for again during a broadcast (and is not kept for ever)."""
    return f"{PREFIX}:vk:name:{int(owner_id)}"
