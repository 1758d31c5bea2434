"""Alembic environment: deptstats runs its migrations on a connection it opens itself
(deptstats.warehouse.schema), never from alembic.ini."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=None, render_as_batch=True, transaction_per_migration=True
)
with context.begin_transaction():
    context.run_migrations()
