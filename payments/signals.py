"""What payments tells the apps above it about invoices issued on their own (by
``invoice_issue``). Both are sent synchronously inside the transaction that records
the fact: a receiver's writes commit or roll back with it, and a receiver that raises
undoes the fact. Receivers get ``sender=Invoice``, ``invoice_id`` and ``user_id``."""

from django.dispatch import Signal

# An invoice issued on its own was marked paid (once: marking it again sends nothing).
invoice_paid = Signal()
# An invoice issued on its own was voided by staff; nothing is owed any more.
invoice_voided = Signal()
