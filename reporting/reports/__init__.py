"""Reporting area 'reports': downloadable progress reports (.xlsx, PDF, .docx)."""
