from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

FOLDER_PATTERN = r"^[a-zA-Z0-9-]+$"
FOLDER_MAX_LENGTH = 64
folder_validator = RegexValidator(FOLDER_PATTERN, "Use only letters, digits and hyphens.")


class AgentQuerySet(models.QuerySet):
    def visible(self) -> AgentQuerySet:
        """Agents not deleted through the API (missing folders stay visible, flagged)."""
        return self.filter(deleted_at__isnull=True)


class Agent(models.Model):
    """Index of one agent folder under AGENTS_ROOT. The folder's CLAUDE.md is the truth."""

    class PermissionMode(models.TextChoices):
        DEFAULT = "", "CLI default"
        ACCEPT_EDITS = "acceptEdits", "acceptEdits"
        AUTO = "auto", "auto"
        DONT_ASK = "dontAsk", "dontAsk"
        PLAN = "plan", "plan"
        BYPASS = "bypassPermissions", "bypassPermissions"

    folder = models.CharField(max_length=FOLDER_MAX_LENGTH, unique=True, validators=[folder_validator])
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    enabled = models.BooleanField(default=True)
    is_missing = models.BooleanField(default=False, help_text="The folder is gone from AGENTS_ROOT.")
    # Server-side run settings: the only source of --model / --permission-mode / tool rules
    # besides validated request fields.
    model = models.CharField(max_length=100, blank=True)
    permission_mode = models.CharField(max_length=32, blank=True, choices=PermissionMode.choices)
    allowed_tools = models.JSONField(default=list, blank=True)
    disallowed_tools = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    trash_name = models.CharField(max_length=200, blank=True, help_text="Folder name under the trash.")

    objects = AgentQuerySet.as_manager()

    class Meta:
        ordering = ["folder"]

    def __str__(self) -> str:
        return self.folder


# What may follow --model / --allowedTools: never a leading dash, never whitespace tricks.
MODEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$"
TOOL_RULE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_*:()., /@=\"'-]{0,199}$"
model_validator = RegexValidator(MODEL_PATTERN, "Use a model alias or id: letters, digits, '.', '-', '_', ':'.")
tool_rule_validator = RegexValidator(TOOL_RULE_PATTERN, "Use a tool rule such as Bash, Read or Bash(git:*).")
