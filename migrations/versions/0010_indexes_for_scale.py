"""Indexes for scale (issue #10), and outcome snapshots.

At company size (20 centres, 5,000 clients, a year of diary and exercise logs) some lookups
had no index to use:

- care_team by therapist (the caseload, the access policy): its key starts with the plan;
- centre_membership by centre (an admin's clients): its key starts with the user;
- a client's diary and exercise logs over a span of days, for the outcomes and the caseload:
  the (client, day) indexes gain the rating and the prescription, so those passes read the
  index alone. Each replaces the index it extends (same leading columns), created first.

outcome_snapshot keeps an outcomes report for a few minutes, for every web instance.

On PostgreSQL each CREATE INDEX holds writes to its table while it builds: a few seconds for
4.6 million exercise logs on a 2-core machine.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 15:24:12.370577

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outcome_snapshot',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_outcome_snapshot'))
    )
    with op.batch_alter_table('outcome_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_snapshot_made_at'), ['made_at'], unique=False)

    with op.batch_alter_table('care_team', schema=None) as batch_op:
        batch_op.create_index('ix_care_team_therapist_id', ['therapist_id'], unique=False)

    with op.batch_alter_table('centre_membership', schema=None) as batch_op:
        batch_op.create_index('ix_centre_membership_centre_id', ['centre_id'], unique=False)

    with op.batch_alter_table('diary_entry', schema=None) as batch_op:
        batch_op.create_index('ix_diary_entry_client_date_pain', ['client_id', 'local_date', 'pain_now'], unique=False)
        batch_op.drop_index(batch_op.f('ix_diary_entry_client_date'))

    with op.batch_alter_table('exercise_log', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_log_client_date_rx', ['client_id', 'local_date', 'prescription_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_exercise_log_client_date'))


def downgrade():
    with op.batch_alter_table('exercise_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_log_client_date'), ['client_id', 'local_date'], unique=False)
        batch_op.drop_index('ix_exercise_log_client_date_rx')

    with op.batch_alter_table('diary_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diary_entry_client_date'), ['client_id', 'local_date'], unique=False)
        batch_op.drop_index('ix_diary_entry_client_date_pain')

    with op.batch_alter_table('centre_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_centre_membership_centre_id')

    with op.batch_alter_table('care_team', schema=None) as batch_op:
        batch_op.drop_index('ix_care_team_therapist_id')

    with op.batch_alter_table('outcome_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_snapshot_made_at'))

    op.drop_table('outcome_snapshot')
