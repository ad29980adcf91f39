"""What a committed import tells the rest of the platform, without the importing app knowing who
listens (an app may not import the apps built on it: reporting follows inventory, not the reverse)."""

from django.dispatch import Signal

# Sent once the transaction of a committed import has committed (never for a rolled-back one).
# sender: the importer's class; keyword arguments: `importer` (its `kind` names the sheet),
# `organization_id` (whose batch: an institution, or the platform for its own sheets) and
# `counts` (the batch's counts: new, updated, unchanged, rejected).
sheet_committed = Signal()
