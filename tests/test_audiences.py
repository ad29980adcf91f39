"""The field audiences of inventory records (inventory.patents.audiences) are complete and what
serves them keeps to them: a new field of the model must be declared library or internal before
anything serves it, and the library viewers' serializer serves library fields only."""

from inventory.api.serializers import InventoryRecordSerializer, LibraryRecordSerializer
from inventory.library.api import LibraryEntrySerializer
from inventory.models import InventoryRecord
from inventory.patents.audiences import INTERNAL_FIELDS, LIBRARY_FIELDS, PERSONAL_FIELDS

# Values of the patent (not of the record) that every serializer of a record may carry along.
PATENT_VALUES = {"application_number", "title"}


def test_every_field_of_the_record_has_exactly_one_audience():
    fields = {field.name for field in InventoryRecord._meta.concrete_fields}
    undeclared = fields - LIBRARY_FIELDS - INTERNAL_FIELDS
    assert not undeclared, f"declare these fields library or internal in inventory/patents/audiences.py: {undeclared}"
    assert not LIBRARY_FIELDS & INTERNAL_FIELDS
    assert not (LIBRARY_FIELDS | INTERNAL_FIELDS) - fields, "audiences name fields the model no longer has"
    assert set(PERSONAL_FIELDS) <= LIBRARY_FIELDS  # shown to library viewers, masked


def test_the_library_serializers_serve_no_internal_field():
    for serializer in (LibraryRecordSerializer, LibraryEntrySerializer):
        model_fields = {name for name in serializer.Meta.fields
                        if name in {f.name for f in InventoryRecord._meta.concrete_fields}}
        assert not model_fields & INTERNAL_FIELDS, serializer.__name__


def test_the_own_serializer_serves_only_declared_fields():
    served = set(InventoryRecordSerializer.Meta.fields) - PATENT_VALUES
    assert served <= LIBRARY_FIELDS | INTERNAL_FIELDS
