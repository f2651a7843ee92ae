"""Feedback on articles and searches that found nothing.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("bundle", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("article", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("note", sa.String(280)),
        sa.Column("wanted_locale", sa.String(35)),
    )
    op.create_index("ix_feedback_received_on", "feedback", ["received_on"])
    op.create_table(
        "unanswered_search",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("bundles", sa.String(1400), nullable=False),
        sa.Column("terms", sa.String(500), nullable=False),
    )
    op.create_index("ix_unanswered_search_received_on", "unanswered_search", ["received_on"])


def downgrade() -> None:
    op.drop_table("unanswered_search")
    op.drop_table("feedback")
