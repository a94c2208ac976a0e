"""Orchestrator: a self-hosted control plane for a team of Claude Code agents."""

# The one place the version lives: /api/health, the dashboard footer and CHANGELOG.md read it.
__version__ = "0.1.0"
