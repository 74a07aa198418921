"""Supporting documents (DOMAIN.md rule 14, issue 13): receipts, signed texts, consents,
notices and bank advices attached to the records they support, with confidentiality labels.

``storage.py`` keeps the bytes (content-addressed by SHA-256, in the database or a directory),
``sniff.py`` decides a file's type by its bytes, ``services.py`` attaches, versions, relabels
and deletes documents, ``receipts.py`` keeps the receipt rule of an arrangement.
"""
