"""Baseline schema: the tables of the first release, written out (not read from queries/schema.py),
so later changes to the table definitions need a revision of their own.

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
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), server_default='', nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=128), server_default='', nullable=False),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.Column('client', sa.String(length=64), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('l1', sa.String(length=64), nullable=False),
    sa.Column('l2', sa.String(length=64), server_default='', nullable=False),
    sa.Column('l3', sa.String(length=64), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('l1', 'l2', 'l3', name=op.f('uq_categories_l1_l2_l3'))
    )
    op.create_table('equipment',
    sa.Column('asset_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('location', sa.String(length=64), nullable=True),
    sa.Column('leased', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='在用', nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('asset_no', name=op.f('pk_equipment'))
    )
    op.create_table('import_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), server_default='', nullable=False),
    sa.Column('rows_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_inserted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_updated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_log'))
    )
    op.create_table('manual_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('item_type', sa.String(length=8), nullable=False),
    sa.Column('points', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_items')),
    sa.UniqueConstraint('month', 'item_type', 'points', 'reason', 'entered_by', name=op.f('uq_manual_items_month_item_type_points_reason_entered_by'))
    )
    op.create_table('month_signoffs',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('state', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('rules_version_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('result_json', sa.Text(), nullable=True),
    sa.Column('vendor_confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('vendor_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('frozen', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_month_signoffs'))
    )
    op.create_table('payment_records',
    sa.Column('instalment', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('instalment', name=op.f('pk_payment_records'))
    )
    op.create_table('reports',
    sa.Column('report_no', sa.String(length=64), nullable=False),
    sa.Column('report_type', sa.String(length=8), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('staff_no', sa.String(length=32), nullable=True),
    sa.Column('has_error', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('report_no', name=op.f('pk_reports'))
    )
    op.create_index('ix_reports_due_at', 'reports', ['due_at'], unique=False)
    op.create_table('rollup_daily',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('street', sa.String(length=100), server_default='', nullable=False),
    sa.Column('unit', sa.String(length=100), server_default='', nullable=False),
    sa.Column('category_l1', sa.String(length=64), server_default='', nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('contacted', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basic_satisfied', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_daily'))
    )
    op.create_index('ix_rollup_daily_day', 'rollup_daily', ['day'], unique=False)
    op.create_table('rollup_hourly',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'hour', name=op.f('pk_rollup_hourly'))
    )
    op.create_table('rules_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('effective_from', sa.String(length=7), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules_versions'))
    )
    op.create_table('staff',
    sa.Column('staff_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('team', sa.String(length=32), nullable=True),
    sa.Column('education', sa.String(length=8), nullable=True),
    sa.Column('full_time', sa.Boolean(), nullable=True),
    sa.Column('years_experience', sa.String(length=8), nullable=True),
    sa.Column('team_size_managed', sa.Integer(), nullable=True),
    sa.Column('management_years', sa.String(length=8), nullable=True),
    sa.Column('typing_speed', sa.Integer(), nullable=True),
    sa.Column('hired_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('staff_no', name=op.f('pk_staff'))
    )
    op.create_table('standup_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=8), server_default='待办', nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standup_actions'))
    )
    op.create_index('ix_standup_actions_status_created_on', 'standup_actions', ['status', 'created_on'], unique=False)
    op.create_table('tickets',
    sa.Column('ticket_no', sa.String(length=64), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('appeal_type', sa.String(length=8), nullable=True),
    sa.Column('urgency', sa.String(length=4), server_default='一般', nullable=False),
    sa.Column('sla_class', sa.String(length=4), server_default='一般', nullable=False),
    sa.Column('category_l1', sa.String(length=64), nullable=True),
    sa.Column('category_l2', sa.String(length=64), nullable=True),
    sa.Column('category_l3', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('street', sa.String(length=100), nullable=True),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('in_assessment', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('callback_at', sa.DateTime(), nullable=True),
    sa.Column('callback_valid', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('contacted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('resolved', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('satisfaction', sa.String(length=8), nullable=True),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('ticket_no', name=op.f('pk_tickets'))
    )
    op.create_index('ix_tickets_received_at', 'tickets', ['received_at'], unique=False)
    op.create_table('units',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units')),
    sa.UniqueConstraint('name', name=op.f('uq_units_name'))
    )
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('token_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_users'))
    )
    op.create_table('shifts',
    sa.Column('staff_no', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift', sa.String(length=4), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_no'], ['staff.staff_no'], name=op.f('fk_shifts_staff_no_staff')),
    sa.PrimaryKeyConstraint('staff_no', 'day', 'shift', name=op.f('pk_shifts'))
    )
    op.create_index('ix_shifts_day_shift', 'shifts', ['day', 'shift'], unique=False)
    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_no', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('staff_no', sa.String(length=32), server_default='', nullable=False),
    sa.Column('unit', sa.String(length=100), server_default='', nullable=False),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['ticket_no'], ['tickets.ticket_no'], name=op.f('fk_ticket_events_ticket_no_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events')),
    sa.UniqueConstraint('ticket_no', 'at', 'action', 'staff_no', 'unit', 'detail', name='uq_ticket_events_all_fields')
    )
    op.create_index('ix_ticket_events_action_at', 'ticket_events', ['action', 'at'], unique=False)
    op.create_index('ix_ticket_events_at', 'ticket_events', ['at'], unique=False)
    op.create_index('ix_ticket_events_staff_no_at', 'ticket_events', ['staff_no', 'at'], unique=False)
    op.create_table('ticket_facts',
    sa.Column('ticket_no', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_day', sa.Date(), nullable=False),
    sa.Column('urgency', sa.String(length=4), nullable=False),
    sa.Column('sla_class', sa.String(length=4), nullable=False),
    sa.Column('appeal_type', sa.String(length=8), nullable=True),
    sa.Column('category_l1', sa.String(length=64), nullable=True),
    sa.Column('street', sa.String(length=100), nullable=True),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('first_return_request_at', sa.DateTime(), nullable=True),
    sa.Column('return_approved_at', sa.DateTime(), nullable=True),
    sa.Column('return_rejected_at', sa.DateTime(), nullable=True),
    sa.Column('first_contact_at', sa.DateTime(), nullable=True),
    sa.Column('first_reply_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('last_event_at', sa.DateTime(), nullable=True),
    sa.Column('sign_due_at', sa.DateTime(), nullable=False),
    sa.Column('dispatch_due_at', sa.DateTime(), nullable=False),
    sa.Column('return_request_due_at', sa.DateTime(), nullable=False),
    sa.Column('response_due_at', sa.DateTime(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('at_risk_at', sa.DateTime(), nullable=False),
    sa.Column('extension_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('redispatch_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('urge_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('qc_reject_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('dispatcher_staff_no', sa.String(length=32), nullable=True),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('stage', sa.String(length=8), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('in_assessment', sa.Boolean(), nullable=False),
    sa.Column('callback_valid', sa.Boolean(), nullable=False),
    sa.Column('contacted', sa.Boolean(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.String(length=8), nullable=True),
    sa.Column('rules_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_no'], ['tickets.ticket_no'], name=op.f('fk_ticket_facts_ticket_no_tickets')),
    sa.PrimaryKeyConstraint('ticket_no', name=op.f('pk_ticket_facts'))
    )
    op.create_index('ix_ticket_facts_closed_at', 'ticket_facts', ['closed_at'], unique=False)
    op.create_index('ix_ticket_facts_open_deadline', 'ticket_facts', ['deadline_at'], unique=False, postgresql_where=sa.text('is_open'), sqlite_where=sa.text('is_open = 1'))
    op.create_index('ix_ticket_facts_open_received', 'ticket_facts', ['received_at', 'stage', 'deadline_at', 'at_risk_at'], unique=False, postgresql_where=sa.text('is_open'), sqlite_where=sa.text('is_open = 1'))
    op.create_index('ix_ticket_facts_received_at', 'ticket_facts', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_table('ticket_facts')
    op.drop_table('ticket_events')
    op.drop_table('shifts')
    op.drop_table('users')
    op.drop_table('units')
    op.drop_table('tickets')
    op.drop_table('standup_actions')
    op.drop_table('staff')
    op.drop_table('rules_versions')
    op.drop_table('rollup_hourly')
    op.drop_table('rollup_daily')
    op.drop_table('reports')
    op.drop_table('payment_records')
    op.drop_table('month_signoffs')
    op.drop_table('manual_items')
    op.drop_table('import_log')
    op.drop_table('equipment')
    op.drop_table('categories')
    op.drop_table('audit_log')
