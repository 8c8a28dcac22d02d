"""Fixed values of the audit chain. Changing any of them invalidates every stored hash."""

from __future__ import annotations

import re

# previous_hash of the first entry: there is no entry before it.
GENESIS_HASH = "0" * 64

# Actions are dotted slugs, most general part first: "resident.personal_data.viewed".
ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

# Role codes for actors who are not council staff (staff store their StaffRole value).
ROLE_SYSTEM = "system"
ROLE_ANONYMOUS = "anonymous"

# Written when an information governance officer checks the chain from the audit log page.
ACTION_CHAIN_VERIFIED = "audit.chain.verified"
OBJECT_TYPE_CHAIN = "audit_chain"
