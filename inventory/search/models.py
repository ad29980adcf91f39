"""The Chinese full-text search document of a patent (inventory.search.services)."""

from django.db import models
from django.utils import timezone

from inventory.patents.models import Patent


class PatentSearchDocument(models.Model):
    """jieba-segmented words of title, abstract, inventors and patentees, space-separated; on
    PostgreSQL the database stores their to_tsvector('simple') as `search_vector` (a generated
    column the model leaves undeclared, migration 0009) and a GIN index on it serves the search."""

    patent = models.OneToOneField(Patent, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    tokens = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.patent_id)
