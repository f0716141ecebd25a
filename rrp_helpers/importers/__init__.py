"""Importers: read data published by others (today NHS Digital's MHSDS monthly statistics) and
write it as a collaborative in the workbook's data contracts, so that ``rrp validate``,
``rrp results`` and ``rrp reports`` work on it unchanged. Each importer is a subpackage that
only reads its inputs and writes one new collaborative folder; importing this package does
nothing else.
"""
