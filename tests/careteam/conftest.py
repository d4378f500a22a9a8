"""The same London and Sydney care teams the sessions tests use."""

from __future__ import annotations

from tests.sessions.conftest import london
from tests.sessions.conftest import sydney

__all__ = ["london", "sydney"]
