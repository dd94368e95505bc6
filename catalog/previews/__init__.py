"""Previews of resource files (PDF shown by pdf.js; Office files converted to PDF by
LibreOffice) and the text extracted from them for full-text search."""
