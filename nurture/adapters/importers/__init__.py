"""Contact importers: the canonical CSV, LinkedIn's Connections.csv and vCard files.

Each reader streams its file and yields ImportedContact, RowProblem (a rejected row, with
its row or card number) or ImportNotice; `read_contacts` picks the reader.
"""

from __future__ import annotations

from nurture.adapters.importers.detect import detect_format
from nurture.adapters.importers.reader import ContactReader, read_contacts
from nurture.adapters.importers.records import ImportedContact, ImportNotice, RowProblem

__all__ = ["ContactReader", "ImportNotice", "ImportedContact", "RowProblem", "detect_format", "read_contacts"]
